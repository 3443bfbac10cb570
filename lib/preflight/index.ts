/** `pipewright preflight`: account checks before a first deploy. */
export { preflight, defaultClients, GPU_QUOTAS, REQUIRED_BOOTSTRAP_VERSION, type Finding, type PreflightClients, type PreflightOptions } from './checks';

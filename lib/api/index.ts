/**
 * The trigger API: one handler for API Gateway (Lambda) and `pipewright serve`, its local and cloud
 * dependencies, the SigV4-signing client the CLI uses, and the schedule calculator of the local twin.
 *
 * ```ts
 * // Local twin (what `pipewright serve` does):
 * const server = await startServer({ pipelines: [await loadPipeline('pipeline.yaml')], store: openStore('.pipewright'), port: 0 });
 * // Lambda (lambdas/api.ts):
 * export const handler = createApiGatewayHandler(); // reads PIPEWRIGHT_* environment variables
 * ```
 */
export type {
  ApiDeps,
  ApiPipelineVersion,
  ApiRequest,
  ApiResponse,
  ApiRunView,
  CancelOutcome,
  PipelineSummary,
  PipelineTarget,
  StartRunOutcome,
  StartRunRequest,
} from './types';
export { createApiHandler, type ApiHandler, type ApiHandlerOptions } from './handler';
export { HttpError } from './http-error';
export { parseTriggerBody, MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_LENGTH, type TriggerBody } from './trigger-body';
export { idempotencyHash, idempotentRunId, idempotencyRecordKey, type IdempotencyRecord } from './idempotency';
export { resolveApiParameters, parametersSchema } from './parameters';
export { buildRunView, readStepDocuments, type RunViewInput } from './run-view';
export { createLocalDeps, type LocalDeps, type LocalDepsOptions } from './local-deps';
export { startServer, DEFAULT_PORT, type RunningServer, type ServerOptions } from './server';
export { parseCron, nextCronTime, wallClockToInstant, zoneOffsetMs, type CronSchedule } from './cron';
export { fireTimes, parseRate, type FireTimeFn } from './next-fire';
export { startScheduler, type ScheduledFire, type Scheduler, type SchedulerOptions } from './scheduler';
export { signRequest, verifySigV4, EXECUTE_API, type SignRequestInput, type VerifyInput, type VerifyOptions } from './sigv4';
export { ApiClient, isLoopbackUrl, regionFromApiUrl, type ApiClientOptions, type ApiClientResponse } from './client';
export { checkResponse, errorMessageOf } from './client-response';
export { formatRunView, stepStates } from './format-run';
export {
  createCloudDeps,
  executionArnOf,
  manifestHashOfDefinition,
  runStatusOf,
  versionOf,
  type CloudDepsOptions,
} from './cloud-deps';
export {
  DEFAULT_REGISTRY_PREFIX,
  parseRegistryJson,
  staticRegistry,
  storeRegistry,
  type PipelineRegistry,
  type RegistryEntry,
} from './registry';
export { apiRequestFromEvent, cloudDepsFromEnv, createApiGatewayHandler, parseJobQueues, proxyResultOf } from './lambda';

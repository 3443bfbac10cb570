/**
 * `pipewright preflight`: checks an AWS account before a first deploy and says what would fail, with fixes.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors';
import type { Finding } from '../../preflight';

interface PreflightFlags {
  readonly region?: string;
  readonly qualifier?: string;
  readonly runnerRepository?: string;
  readonly runnerTag?: string;
  readonly gpuFamilies?: string;
  readonly gpuSpot?: boolean;
  readonly apiGatewayRole?: boolean;
  readonly json?: boolean;
}

/** The findings as text: one line per check, each failing one followed by its fix. */
export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.map((f) => `${f.ok ? 'ok  ' : 'FAIL'} ${f.check}: ${f.message}${f.fix ? `\n      fix: ${f.fix}` : ''}`);
  const failed = findings.filter((f) => !f.ok).length;
  lines.push(failed === 0 ? 'preflight: nothing found that would stop a deploy or a GPU run' : `preflight: ${failed} problem(s) found`);
  return `${lines.join('\n')}\n`;
}

/** Registers `preflight`. */
export function registerPreflight(program: Command): void {
  program
    .command('preflight')
    .description('Check an AWS account before deploying: bootstrap, API Gateway logging role, runner image, GPU quota and instance types')
    .option('--region <region>', 'region to check (default: $AWS_REGION)')
    .option('--qualifier <q>', 'CDK bootstrap qualifier', 'hnb659fds')
    .option('--runner-repository <name>', 'ECR repository of the runner image', 'pipewright-runner')
    .option('--runner-tag <tag>', 'tag of the runner image', '0.1.0')
    .option('--gpu-families <list>', 'comma-separated GPU instance families of the platform', 'g5,g6')
    .option('--gpu-spot', 'the GPU environment uses Spot (checks the Spot quota)')
    .option('--no-api-gateway-role', 'the stack will not set API Gateway\'s CloudWatch role (apiGatewayCloudWatchRole: false)')
    .option('--json', 'print the findings as JSON')
    .action(async (flags: PreflightFlags) => {
      const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new UsageError('no region: pass --region <region> or set AWS_REGION');
      // Six AWS SDK clients: loaded only by this command, so that every other command starts quickly.
      const { defaultClients, preflight } = await import('../../preflight');
      const findings = await preflight(defaultClients(region), {
        region,
        qualifier: flags.qualifier,
        runnerRepository: flags.runnerRepository,
        runnerTag: flags.runnerTag,
        gpuFamilies: flags.gpuFamilies?.split(',').map((f) => f.trim()).filter(Boolean),
        gpuSpot: flags.gpuSpot ?? false,
        stackSetsApiGatewayRole: flags.apiGatewayRole ?? true,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(findings, null, 2)}\n` : formatFindings(findings));
      if (findings.some((f) => !f.ok)) process.exitCode = 1;
    });
}

/**
 * `pipewright cancel <name> <runId> --api <url>`: stops a run and its Batch jobs through the trigger API.
 */
import type { Command } from 'commander';
import { ApiClient, checkResponse } from '../../client';
import { apiUrlOf } from './trigger';

interface CancelFlags {
  readonly api?: string;
  readonly json?: boolean;
  readonly region?: string;
}

/** Registers `cancel`. */
export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('Cancel a run started through the trigger API: stops the execution and terminates its jobs')
    .argument('<name>', 'pipeline name')
    .argument('<runId>', 'run id (as printed by trigger)')
    .option('--api <url>', 'base URL of the trigger API with its stage (default: $PIPEWRIGHT_API)')
    .option('--json', 'print the API response as JSON')
    .option('--region <region>', 'AWS region to sign for (default: $AWS_REGION, or the one in the URL)')
    .action(async (name: string, runId: string, flags: CancelFlags) => {
      const client = new ApiClient({ api: apiUrlOf(flags.api), region: flags.region });
      const res = await client.request<{ runId: string; status: string; terminatedJobs?: string[] }>(
        'DELETE',
        `/pipelines/${encodeURIComponent(name)}/runs/${encodeURIComponent(runId)}`,
      );
      checkResponse(res, `cancel run ${runId}`);
      if (flags.json) process.stdout.write(`${JSON.stringify(res.body, null, 2)}\n`);
      else process.stdout.write(`run ${runId} of ${name}: ${res.body.status}\n`);
    });
}

/**
 * `pipewright status <name> <runId> --api <url>`: a run's status from the trigger API.
 */
import type { Command } from 'commander';
import { ApiClient, checkResponse } from '../../client';
import { formatRunView } from '../format-run';
import type { ApiRunView } from '../../api';
import { apiUrlOf } from './trigger';

interface StatusFlags {
  readonly api?: string;
  readonly json?: boolean;
  readonly region?: string;
}

/** Registers `status`. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show the status of a run started through the trigger API: per step ran/reused/failed/skipped, metrics, timings')
    .argument('<name>', 'pipeline name')
    .argument('<runId>', 'run id (as printed by trigger)')
    .option('--api <url>', 'base URL of the trigger API with its stage (default: $PIPEWRIGHT_API)')
    .option('--json', 'print the run document as JSON')
    .option('--region <region>', 'AWS region to sign for (default: $AWS_REGION, or the one in the URL)')
    .action(async (name: string, runId: string, flags: StatusFlags) => {
      const client = new ApiClient({ api: apiUrlOf(flags.api), region: flags.region });
      const res = await client.request<ApiRunView>('GET', `/pipelines/${encodeURIComponent(name)}/runs/${encodeURIComponent(runId)}`);
      checkResponse(res, `status of run ${runId}`);
      process.stdout.write(flags.json ? `${JSON.stringify(res.body, null, 2)}\n` : `${formatRunView(res.body)}\n`);
    });
}

/**
 * `pipewright trigger <name> --api <url>`: starts a run of a deployed pipeline (or one served by `pipewright serve`).
 */
import type { Command } from 'commander';
import { ApiClient, checkResponse } from '../../client';
import { formatRunView, stepStates } from '../format-run';
import type { ApiRunView } from '../../api';
import { RunFailedError, UsageError } from '../../errors';
import { parseParamFlags } from './run';

interface TriggerFlags {
  readonly api?: string;
  readonly param: string[];
  readonly version?: string;
  readonly idempotencyKey?: string;
  readonly wait?: boolean;
  readonly json?: boolean;
  readonly region?: string;
  readonly pollInterval: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The `--api` URL: the flag, else `PIPEWRIGHT_API`; UsageError when neither is set. */
export function apiUrlOf(flag: string | undefined): string {
  const api = flag ?? process.env.PIPEWRIGHT_API;
  if (!api) {
    throw new UsageError('--api <url> is required (or set PIPEWRIGHT_API), e.g. --api https://abc123.execute-api.eu-west-1.amazonaws.com/prod or --api http://127.0.0.1:8787');
  }
  return api;
}

/** Parses a positive whole number flag; UsageError naming the flag otherwise. */
export function positiveInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${flag}: expected a positive whole number; received ${JSON.stringify(text)}`);
  return Number(text);
}

/** Polls a run until it finishes, writing each step change to stderr; returns the final view. */
export async function waitForRun(client: ApiClient, name: string, runId: string, intervalMs: number): Promise<ApiRunView> {
  let seen = new Map<string, string>();
  for (;;) {
    const res = await client.request<ApiRunView>('GET', `/pipelines/${encodeURIComponent(name)}/runs/${encodeURIComponent(runId)}`);
    checkResponse(res, `status of run ${runId}`);
    const view = res.body;
    const now = stepStates(view);
    for (const [step, status] of now) {
      if (seen.get(step) !== status && status !== 'pending') process.stderr.write(`${step}: ${status}\n`);
    }
    seen = now;
    if (view.status !== 'running') return view;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Registers `trigger`. */
export function registerTrigger(program: Command): void {
  // Without positional options the program's own `--version` (print 0.1.0) would swallow `trigger --version 3`.
  program.enablePositionalOptions();
  program
    .command('trigger')
    .description('Start a run of a deployed pipeline through its trigger API (SigV4-signed); also works against `pipewright serve`')
    .argument('<name>', 'pipeline name')
    .option('--api <url>', 'base URL of the trigger API with its stage (default: $PIPEWRIGHT_API)')
    .option('--param <name=value>', 'set a parameter (repeatable); sent as a string and parsed by its declared type by the API', collect, [])
    .option('--version <n>', 'run this published state machine version instead of the live one')
    .option('--idempotency-key <key>', 'a key that makes retries of this trigger return the same run')
    .option('--wait', 'wait for the run to finish, with progress on stderr; exit 1 if it fails')
    .option('--json', 'print the API response (with --wait: the final run document) as JSON on stdout')
    .option('--region <region>', 'AWS region to sign for (default: $AWS_REGION, or the one in the URL)')
    .option('--poll-interval <ms>', 'with --wait: milliseconds between status polls', '2000')
    .action(async (name: string, flags: TriggerFlags) => {
      const parameters = parseParamFlags(flags.param);
      const version = flags.version === undefined ? undefined : positiveInt('--version', flags.version);
      const interval = positiveInt('--poll-interval', flags.pollInterval);
      const client = new ApiClient({ api: apiUrlOf(flags.api), region: flags.region });
      const body = {
        parameters,
        ...(version !== undefined ? { version } : {}),
        ...(flags.idempotencyKey !== undefined ? { idempotencyKey: flags.idempotencyKey } : {}),
      };
      const res = await client.request<{ runId: string; statusUrl: string; existing?: boolean }>('POST', `/pipelines/${encodeURIComponent(name)}/runs`, body);
      checkResponse(res, `trigger ${name}`);
      const { runId, statusUrl, existing } = res.body;
      if (!flags.wait) {
        if (flags.json) process.stdout.write(`${JSON.stringify(res.body, null, 2)}\n`);
        else {
          process.stdout.write(`${runId}\n`);
          process.stderr.write(`${existing ? 'Existing run' : 'Started run'} ${runId} of ${name}; status: ${statusUrl}\n`);
        }
        return;
      }
      process.stderr.write(`${existing ? 'Waiting for existing run' : 'Started run'} ${runId} of ${name}\n`);
      const view = await waitForRun(client, name, runId, interval);
      if (flags.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      else process.stdout.write(`${formatRunView(view)}\n`);
      if (view.status !== 'succeeded') throw new RunFailedError(`Run ${runId} of ${name} ${view.status}`);
    });
}

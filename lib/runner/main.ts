/**
 * The runner's command line, the entry point of the runner image in AWS Batch.
 *
 * A step's Batch job has three containers sharing a volume at `/pw`:
 * 1. `runner stage-in --job <hash> --dir /pw` (this image) materializes the code, inputs and `step.sh`;
 * 2. the user's image, untouched, runs `/bin/sh /pw/step.sh` (which writes `/pw/exit_code`);
 * 3. `runner stage-out --job <hash> --dir /pw` (this image, dependency condition SUCCESS, so it runs only
 *    when the user's command exited 0) stores outputs, logs and metrics, then the record.
 * `runner run --job <hash>` does all three in one process, for images that have this runner.
 *
 * The store is `PIPEWRIGHT_STORE` (`s3://bucket/prefix` in AWS, a directory locally).
 */
import { chmod, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodeFor, UsageError } from '../errors';
import { isHash, openStore, type ArtifactStore, type Hash } from '../store';
import { jobHashOfBatchJob } from './batch-job';
import { stepDirLayout } from './layout';
import { arrayIndexFromEnv, jobGroupsOf } from '../protocol';
import { stageInBatch, stageOutBatch } from './mini-batch';
import { runBatch } from './run-batch';
import { runJob } from './run-job';
import { stageIn } from './stage-in';
import { stageOut } from './stage-out';

const USAGE = `usage:
  runner stage-in  --job <sha256:…> --dir <dir>
  runner stage-out --job <sha256:…> --dir <dir> [--exit-code N]
  runner run       --job <sha256:…> [--work-root <dir>]
In AWS Batch --job may be left out: the hash is read from the job's "job" parameter (AWS_BATCH_JOB_ID).
The store is taken from PIPEWRIGHT_STORE (a directory or s3://bucket/prefix).`;

/** Parsed arguments of one runner command. */
interface RunnerArgs {
  readonly command: 'stage-in' | 'stage-out' | 'run';
  /** Undefined in AWS Batch without --job: read from the job's parameters. */
  readonly job: Hash | undefined;
  readonly dir?: string;
  readonly exitCode?: number;
  readonly workRoot?: string;
}

function parseArgs(argv: readonly string[]): RunnerArgs {
  const [command, ...rest] = argv;
  const dirNeeded = (c: string, f: Record<string, string>) => {
    if (c !== 'run' && !f['--dir']) throw new UsageError(`${c} needs --dir <dir>.\n${USAGE}`);
  };
  if (command !== 'stage-in' && command !== 'stage-out' && command !== 'run') {
    throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}; expected stage-in, stage-out or run.\n${USAGE}`);
  }
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (!['--job', '--dir', '--exit-code', '--work-root'].includes(flag) || value === undefined) {
      throw new UsageError(`unexpected argument ${JSON.stringify(flag)}${value === undefined ? ' (missing its value)' : ''}.\n${USAGE}`);
    }
    flags[flag] = value;
  }
  dirNeeded(command, flags);
  const job = flags['--job'];
  // In AWS Batch the hash is the job's own `job` parameter, read through AWS_BATCH_JOB_ID (see batch-job.ts).
  if (job === undefined && process.env.AWS_BATCH_JOB_ID) return { command, job: undefined, dir: flags['--dir'], workRoot: flags['--work-root'], ...exitCodeOf(flags) };
  if (!isHash(job)) throw new UsageError(`--job must be a sha256:<64 hex> hash; received ${JSON.stringify(job ?? '')}.\n${USAGE}`);
  return { command, job, dir: flags['--dir'], workRoot: flags['--work-root'], ...exitCodeOf(flags) };
}

function exitCodeOf(flags: Record<string, string>): { exitCode?: number } {
  if (flags['--exit-code'] === undefined) return {};
  const exitCode = Number(flags['--exit-code']);
  if (!Number.isInteger(exitCode)) throw new UsageError(`--exit-code must be an integer; received ${flags['--exit-code']}.`);
  return { exitCode };
}

/** Opens the store named by PIPEWRIGHT_STORE. */
function storeFromEnv(): ArtifactStore {
  const location = process.env.PIPEWRIGHT_STORE;
  if (!location) throw new UsageError('PIPEWRIGHT_STORE is not set; expected a directory or s3://bucket/prefix.');
  return openStore(location);
}

/** Lets a user container running as any uid write to the staged directory (stage-in usually runs as root). */
async function shareWithAnyUser(dir: string): Promise<void> {
  await chmod(dir, 0o777);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) await shareWithAnyUser(p);
    else await chmod(p, e.name === 'step.sh' ? 0o777 : 0o666);
  }
}

async function readNumber(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isFinite(n) && text!.trim() !== '' ? n : undefined;
}

/** Runs one runner command; returns the process exit status. */
export async function runnerMain(argv: readonly string[], store?: ArtifactStore): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const parsedArgs = parseArgs(argv);
    const parsed = { ...parsedArgs, job: parsedArgs.job ?? (await jobHashOfBatchJob(process.env.AWS_BATCH_JOB_ID!)) };
    const s = store ?? storeFromEnv();
    // A foreach plan: this array child's jobs (with maxConcurrency, several), each a mini-batch of items.
    const groups = await jobGroupsOf(s, parsed.job, arrayIndexFromEnv());
    const jobs = groups.flat();
    if (jobs.length !== 1) return await runItems(s, parsed, groups);
    const args: RunnerArgs & { readonly job: Hash } = { ...parsed, job: jobs[0] };
    if (args.command === 'stage-in') {
      const staged = await stageIn(s, args.job, args.dir!);
      await shareWithAnyUser(args.dir!);
      process.stderr.write(`pipewright runner: staged step '${staged.spec.step}' in ${args.dir}\n`);
    } else if (args.command === 'stage-out') {
      const layout = stepDirLayout(args.dir!);
      const exitCode = args.exitCode ?? (await readNumber(layout.exitCode));
      if (exitCode === undefined) {
        throw new UsageError(`no exit status: ${layout.exitCode} is missing (step.sh writes it) and --exit-code was not given.`);
      }
      const staged = JSON.parse(await readFile(layout.staged, 'utf8')) as { stagedAt: string };
      const started = await readNumber(layout.startedAt);
      const finished = await readNumber(layout.finishedAt);
      const startedAt = started !== undefined ? new Date(started * 1000).toISOString() : staged.stagedAt;
      const durationMs =
        started !== undefined && finished !== undefined
          ? Math.max(0, (finished - started) * 1000)
          : Math.max(0, Date.now() - Date.parse(startedAt));
      const record = await stageOut(s, args.job, args.dir!, {
        exitCode,
        startedAt,
        durationMs,
        onWarning: (m) => process.stderr.write(`pipewright runner: ${m}\n`),
      });
      process.stderr.write(`pipewright runner: stored step '${record.step}' as ${record.key}\n`);
    } else {
      const record = await runJob({
        store: s,
        job: args.job,
        workRoot: args.workRoot,
        // In a container the environment is the job's own (Batch injects the step's secrets into it).
        hostEnv: 'all',
        onOutput: (stream, chunk) => (stream === 'stdout' ? process.stdout : process.stderr).write(chunk),
        onWarning: (m) => process.stderr.write(`pipewright runner: ${m}\n`),
      });
      process.stderr.write(`pipewright runner: stored step '${record.step}' as ${record.key}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`pipewright runner: error: ${(err as Error)?.message ?? String(err)}\n`);
    return exitCodeFor(err);
  }
}

/** Runs the item jobs of a foreach plan as one chain: all of them even when one fails; fails when any did. */
async function runItems(s: ArtifactStore, args: RunnerArgs, groups: readonly (readonly Hash[])[]): Promise<number> {
  const jobs = groups.flat();
  if (args.command === 'stage-in') {
    await stageInBatch(s, groups, args.dir!);
    await shareWithAnyUser(args.dir!);
    process.stderr.write(`pipewright runner: staged ${jobs.length} item(s) in ${args.dir}\n`);
    return 0;
  }
  if (args.command === 'stage-out') {
    await stageOutBatch(s, groups, args.dir!);
    process.stderr.write(`pipewright runner: stored ${jobs.length} item(s)\n`);
    return 0;
  }
  const outcomes = await runBatch({
    store: s,
    groups,
    workRoot: args.workRoot,
    // In a container the environment is the job's own (Batch injects the step's secrets into it).
    hostEnv: 'all',
    onOutput: (stream, chunk) => (stream === 'stdout' ? process.stdout : process.stderr).write(chunk),
    onWarning: (m) => process.stderr.write(`pipewright runner: ${m}\n`),
    onItem: (o) => {
      if (o.error !== undefined) process.stderr.write(`pipewright runner: error: ${o.error}\n`);
    },
  });
  const failed = outcomes.filter((o) => o.error !== undefined).length;
  process.stderr.write(`pipewright runner: ${jobs.length - failed} of ${jobs.length} item(s) stored\n`);
  return failed > 0 ? 1 : 0;
}

const isEntry = process.argv[1] !== undefined && /runner[\\/]main\.[tj]s$|runner\.m?js$/.test(process.argv[1]);
if (isEntry) {
  runnerMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

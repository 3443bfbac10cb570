/**
 * Runs one job locally: stage-in, the command as a subprocess in its own process group, stage-out.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RunFailedError } from '../errors';
import { type StepRecord } from '../protocol';
import type { ArtifactStore, Hash } from '../store';
import { stepDirLayout } from './layout';
import { isProcessAlive } from './process-alive';
import { startGuard } from './private/guard';
import { findExecutable, LAUNCHER_NAME, LAUNCHER_SCRIPT, SHELL, shellAvailable } from './private/launch';
import { processStartedAt } from './private/process-start';
import { stageIn } from './stage-in';
import { stageOut, writeFailedRunDocument } from './stage-out';

/** Options for `runJob`. */
export interface RunJobOptions {
  readonly store: ArtifactStore;
  /** Hash of the JobSpec blob (from the lookup result). */
  readonly job: Hash;
  /** Where the temporary staging directory is created. @default os.tmpdir() */
  readonly workRoot?: string;
  /** Extra variables for the step, over the contract's (e.g. `CUDA_VISIBLE_DEVICES`, `PW_GPUS`). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Which host variables the step sees: `clean` only `STEP_HOST_ENV` (so the host environment, which is not in the
   * cache key, cannot change a result), `all` every one but PIPEWRIGHT_STORE (the runner inside a container, whose
   * environment is the job's). @default 'clean'
   */
  readonly hostEnv?: 'clean' | 'all';
  /** Secret variables for the step: set in its environment, masked as `***` in its stored logs, stderr tail and streamed output. @default - none */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Aborting kills the step's process group. @default - not abortable */
  readonly signal?: AbortSignal;
  /** Time limit of the command, in seconds. @default - none */
  readonly timeoutSeconds?: number;
  /** Gets the step's output as it is produced (for `--verbose`). @default - not streamed */
  readonly onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Called with each warning (e.g. a malformed metrics line). @default - none */
  readonly onWarning?: (message: string) => void;
  /** Time between SIGTERM and SIGKILL when the step is stopped, in milliseconds. @default 5000 */
  readonly killGraceMs?: number;
}

/** How the subprocess ended. */
export interface Outcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stopped?: 'aborted' | 'timeout';
  readonly spawnError?: Error;
}

/** Host variables a step never sees (so it is not told where the store is). */
const HIDDEN_ENV: readonly string[] = ['PIPEWRIGHT_STORE'];

/** The host variables a local step sees (besides the contract's, its `env`, `passEnv` and `secrets`). */
export const STEP_HOST_ENV: readonly string[] = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];

/** The host's part of a step's environment: STEP_HOST_ENV, or every variable with `all`; never HIDDEN_ENV. */
export function hostEnvOf(hostEnv: RunJobOptions['hostEnv']): Record<string, string> {
  // No prototype: a variable named `__proto__` is a variable.
  const env = Object.create(null) as Record<string, string>;
  for (const k of hostEnv === 'all' ? Object.keys(process.env) : STEP_HOST_ENV) {
    const v = process.env[k];
    if (v !== undefined && !HIDDEN_ENV.includes(k)) env[k] = v;
  }
  return env;
}

/** What replaces a secret's value in logs. */
export const SECRET_MASK = '***';

/** Staging folders are `pw-stage-<pid>-XXXXXX`, so a later process can tell whose they are. */
export const STAGING_PREFIX = 'pw-stage-';

/**
 * Removes staging folders under `root` left by a process of this machine that is gone (a run SIGKILLed
 * mid-step); returns how many. Folders of live processes are left alone; a folder whose pid now belongs to a
 * process that started after the folder was last written (the pid was reused) is not theirs, and goes.
 */
export async function removeStaleStaging(root: string = tmpdir()): Promise<number> {
  const names = await readdir(root).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const m = /^pw-stage-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    if (await ownerAlive(Number(m[1]), join(root, name))) continue;
    await removeDir(join(root, name));
    removed++;
  }
  return removed;
}

/** Clock ticks of /proc are 10 ms and stat times may be coarse: a reused pid must have started clearly later. */
const PID_REUSE_SLACK_MS = 2000;

async function ownerAlive(pid: number, folder: string): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  const [startedAt, st] = await Promise.all([processStartedAt(pid), lstat(folder).catch(() => undefined)]);
  if (startedAt === undefined || st === undefined) return true; // cannot tell: keep it
  return startedAt <= st.mtimeMs + PID_REUSE_SLACK_MS;
}


/** How long the step's pipes may stay open after its main process exited (held by a child outside its group). */
const STRAY_PIPE_GRACE_MS = 1000;

/** The longest delay a Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bytes of stderr kept for a failure message. */
export const STDERR_TAIL_BYTES = 8192;

/**
 * Runs the job under the step contract and returns its record (written to the store).
 *
 * Throws RunFailedError on a non-zero exit, a signal, a timeout, an abort or a missing output, after
 * storing the logs and writing `runs/<runId>/<step>.json` with status `failed` (never a record).
 * The staging directory is removed in every case.
 */
export async function runJob(opts: RunJobOptions): Promise<StepRecord> {
  const { store, job } = opts;
  if (opts.signal?.aborted) throw new RunFailedError(`Job ${job} was cancelled before it started.`);
  const tmp = await mkdtemp(join(opts.workRoot ?? tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  // A directory stage-in creates itself needs no clearing first (that is only for a retried Batch attempt).
  const dir = join(tmp, 'job');
  try {
    const staged = await stageIn(store, job, dir);
    const { spec } = staged;
    const layout = stepDirLayout(dir);
    const env = Object.assign(hostEnvOf(opts.hostEnv), staged.env, opts.env, opts.secrets);
    const mask = masker(Object.values(opts.secrets ?? {}));
    const onOutput = opts.onOutput && mask ? (stream: 'stdout' | 'stderr', chunk: Buffer) => opts.onOutput!(stream, Buffer.from(mask(chunk.toString('utf8')))) : opts.onOutput;

    const startedAt = new Date();
    const t0 = performance.now();
    const stderrTail: Buffer[] = [];
    let tailBytes = 0;
    const outcome = await spawnStep(spec.command, staged.cwd, env, layout.stdout, layout.stderr, { ...opts, onOutput }, (chunk) => {
      stderrTail.push(chunk);
      tailBytes += chunk.length;
      while (stderrTail.length > 1 && tailBytes - stderrTail[0].length >= STDERR_TAIL_BYTES) tailBytes -= stderrTail.shift()!.length;
    });
    const durationMs = Math.round(performance.now() - t0);
    if (mask) await Promise.all([maskFile(layout.stdout, mask), maskFile(layout.stderr, mask)]);

    const fail = async (message: string): Promise<never> => {
      await writeFailedRunDocument(
        store,
        spec,
        layout,
        { message, durationMs, startedAt: startedAt.toISOString(), exitCode: outcome.exitCode },
        opts.onWarning,
      ).catch(() => undefined);
      throw new RunFailedError(message, spec.step);
    };

    if (outcome.spawnError) {
      const e = outcome.spawnError as NodeJS.ErrnoException;
      const hint = e.code === 'ENOENT' ? '; is it installed and on PATH (or present in the code directory)?' : '';
      return await fail(`Step '${spec.step}' could not start ${JSON.stringify(spec.command[0])}: ${e.message}${hint}`);
    }
    if (outcome.stopped || outcome.exitCode !== 0) {
      const how =
        outcome.stopped === 'aborted'
          ? 'was cancelled'
          : outcome.stopped === 'timeout'
            ? timedOutAfter(opts.timeoutSeconds)
            : outcome.signal
              ? `was killed by ${outcome.signal}`
              : `failed: exit code ${outcome.exitCode}`;
      const tail = tailOf(stderrTail);
      return await fail(`Step '${spec.step}' ${how}${mask ? mask(tail) : tail}`);
    }
    try {
      return await stageOut(store, job, dir, {
        exitCode: 0,
        startedAt: startedAt.toISOString(),
        durationMs,
        onWarning: opts.onWarning,
        spec,
      });
    } catch (err) {
      if (err instanceof RunFailedError) return await fail(err.message);
      throw err;
    }
  } finally {
    await removeDir(tmp);
  }
}

/** A function replacing every secret value in a text by SECRET_MASK, longest first; undefined when there are none. */
export function masker(values: readonly string[]): ((text: string) => string) | undefined {
  const secrets = [...new Set(values.filter((v) => v !== ''))].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return undefined;
  return (text) => secrets.reduce((t, v) => t.split(v).join(SECRET_MASK), text);
}

/** Masks secrets in a captured log file (read whole: a step's secrets are rare, its logs usually small). */
export async function maskFile(path: string, mask: (text: string) => string): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const masked = mask(text);
  if (masked !== text) await writeFile(path, masked);
}

/** How a step (or item) stopped by its timeout is described in its failure message. */
export function timedOutAfter(seconds: number | undefined): string {
  return `timed out after ${seconds} s (the step's timeout)`;
}

/** The last lines of a step's stderr, indented for a failure message ('' when there are none). */
export function tailOf(chunks: Buffer[]): string {
  const text = Buffer.concat(chunks).toString('utf8').trimEnd();
  if (text === '') return '';
  const lines = text.split('\n').slice(-10);
  return `\n  last lines of stderr:\n${lines.map((l) => `    ${l}`).join('\n')}`;
}

/**
 * Spawns a step's command in its own process group under a guard, capturing stdout and stderr in files; with
 * `onProgress`, descriptor 4 is a pipe whose chunks it gets (a mini-batch's progress lines). @internal
 */
export async function spawnStep(
  command: readonly string[],
  cwd: string,
  env: Record<string, string>,
  stdoutPath: string,
  stderrPath: string,
  opts: Omit<RunJobOptions, 'job'>,
  onStderr: (chunk: Buffer) => void,
  onProgress?: (chunk: Buffer) => void,
): Promise<Outcome> {
  const gated = await shellAvailable();
  const missing = gated ? await findExecutable(command[0], cwd, env.PATH) : undefined;
  if (missing) {
    await Promise.all([writeFile(stdoutPath, ''), writeFile(stderrPath, '')]);
    return { exitCode: null, signal: null, spawnError: missing };
  }
  return new Promise((resolve) => {
    const out = createWriteStream(stdoutPath);
    const err = createWriteStream(stderrPath);
    const guard = startGuard();
    // The command waits on fd 3 for a go-ahead, sent only once the guard has the step's group (see launch.ts);
    // fd 4, when asked for, carries a mini-batch's progress lines back (mini-batch.ts).
    const progress = onProgress ? 'pipe' : 'ignore';
    const child = (
      gated
        ? spawn(SHELL, ['-c', LAUNCHER_SCRIPT, LAUNCHER_NAME, ...command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', progress] })
        : spawn(command[0], command.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ignore', progress] })
    ) as ChildProcessByStdio<null, Readable, Readable>;
    (child.stdio[4] as NodeJS.ReadableStream | null | undefined)?.on('data', (chunk: Buffer) => onProgress?.(chunk));
    if (child.pid !== undefined) {
      guard.watch(child.pid);
      const go = child.stdio[3] as Writable | null | undefined;
      go?.on('error', () => undefined);
      go?.end('go\n');
    }
    let stopped: Outcome['stopped'];
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const stop = (why: NonNullable<Outcome['stopped']>): void => {
      if (stopped) return;
      stopped = why;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 5000);
    };
    const onAbort = (): void => stop('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0) {
      // A Node timer fires at once beyond 2^31 − 1 ms (24.8 days): longer limits are left to run out here.
      const ms = opts.timeoutSeconds * 1000;
      if (ms <= MAX_TIMER_MS) timeoutTimer = setTimeout(() => stop('timeout'), ms);
    }

    // pipe() keeps backpressure: a step that logs faster than the disk writes is slowed, not buffered.
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(err, { end: false });
    child.stdout.on('data', (chunk: Buffer) => opts.onOutput?.('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      onStderr(chunk);
      opts.onOutput?.('stderr', chunk);
    });
    child.on('error', (e) => {
      spawnError = e;
    });
    // As in a container, the step ends when its main process does: stray children are killed with it,
    // which also releases the pipes they inherited. A child that left the group (setsid) and keeps the pipes
    // open is not waited for: after a short grace the pipes are closed on our side.
    let closeTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      clearTimeout(timeoutTimer);
      clearTimeout(closeTimer);
      guard.release();
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout.unpipe(out);
      child.stderr.unpipe(err);
      Promise.all([endStream(out), endStream(err)]).then(() =>
        resolve({ exitCode: spawnError ? null : exitCode, signal, stopped, spawnError }),
      );
    };
    child.on('exit', (exitCode, signal) => {
      killGroup('SIGKILL');
      closeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        (child.stdio[4] as NodeJS.ReadableStream & { destroy?: () => void } | null | undefined)?.destroy?.();
        finish(exitCode, signal);
      }, STRAY_PIPE_GRACE_MS);
    });
    child.on('close', (exitCode, signal) => finish(exitCode, signal));
  });
}

function endStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}

/** Removes a staging directory, even one the step made read-only. */
export async function removeDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    await makeWritable(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await makeWritable(join(dir, e.name));
  }
}

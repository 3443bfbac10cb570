/**
 * Runs a foreach job of several items locally (a mini-batch, or an array child's jobs): the same stage-in and
 * step.sh as in AWS Batch, one process chain for all the items, and each item stored as it ends.
 */
import { open, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hash } from '../store';
import { stepDirLayout } from './layout';
import { stageInBatch, stageOutItem, PROGRESS_FD4, type ItemOutcome, type ItemTimes, type StagedItem } from './mini-batch';
import { hostEnvOf, masker, maskFile, MAX_TIMER_MS, removeDir, spawnStep, STAGING_PREFIX, STDERR_TAIL_BYTES, tailOf, timedOutAfter, type Outcome, type RunJobOptions } from './run-job';

/** Options for `runBatch`: those of `runJob`, with the jobs' items instead of one job. */
export interface RunBatchOptions extends Omit<RunJobOptions, 'job'> {
  /** The jobs to run one after another, each as its items' JobSpec hashes. */
  readonly groups: readonly (readonly Hash[])[];
  /** Called as each item is stored or has failed. @default - none */
  readonly onItem?: (outcome: ItemOutcome) => void;
}

/**
 * Runs every item of `groups` in one chain and returns what became of each, in order. A failing item never
 * stops the next; each item's `timeoutSeconds` is its own. Failed items get their failed run document, as
 * with `runJob`, but are returned rather than thrown. The staging directory is removed in every case.
 */
export async function runBatch(opts: RunBatchOptions): Promise<ItemOutcome[]> {
  const { store } = opts;
  const tmp = await mkdtemp(join(opts.workRoot ?? tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  const dir = join(tmp, 'job');
  const timers = new Set<NodeJS.Timeout>();
  try {
    const secrets = opts.secrets ?? {};
    const items = await stageInBatch(store, opts.groups, dir, { env: opts.env, inherit: Object.keys(secrets) });
    // The chain's own environment: the host's (as for one job) and the secrets; step.sh exports the rest per item.
    const env = Object.assign(hostEnvOf(opts.hostEnv), secrets);
    const mask = masker(Object.values(secrets));

    const started = new Map<number, { readonly ms: number; readonly pid: number }>();
    const timedOut = new Set<number>();
    const done: Array<Promise<ItemOutcome> | undefined> = new Array(items.length);
    const finish = (it: StagedItem, exitCode: number | undefined, failure?: string): Promise<ItemOutcome> => {
      const s = started.get(it.k);
      const times: ItemTimes | undefined = s ? { startedMs: s.ms, finishedMs: Date.now() } : undefined;
      return finishItem(opts, it, { exitCode, times, failure, timedOut: timedOut.has(it.k), mask });
    };
    const onLine = (line: string): void => {
      const [kind, kText, nText] = line.split(' ');
      const it = items[Number(kText)];
      if (it === undefined) return;
      if (kind === 's') {
        started.set(it.k, { ms: Date.now(), pid: Number(nText) });
        armTimeout(opts, timers, Number(nText), () => timedOut.add(it.k));
      } else if (kind === 'e' && done[it.k] === undefined) {
        done[it.k] = finish(it, Number(nText));
      }
    };
    let pending = '';
    const layout = stepDirLayout(dir);
    // The step's timeout limits each item (armTimeout), not the chain.
    const chainOpts = { ...opts, timeoutSeconds: undefined };
    const outcome: Outcome = opts.signal?.aborted
      ? { exitCode: null, signal: null, stopped: 'aborted' }
      : await spawnStep(['/bin/sh', layout.script, PROGRESS_FD4], dir, env, layout.stdout, layout.stderr, chainOpts, () => undefined, (chunk) => {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) onLine(line);
        });
    for (const t of timers) clearTimeout(t);
    // Items the chain never finished: it was stopped, or could not start.
    const why =
      outcome.stopped === 'aborted'
        ? 'was cancelled'
        : outcome.spawnError
          ? `could not start /bin/sh: ${outcome.spawnError.message}`
          : outcome.stopped === 'timeout'
            ? timedOutAfter(opts.timeoutSeconds)
            : `did not finish: its mini-batch's chain ended (exit code ${outcome.exitCode ?? outcome.signal ?? 'unknown'})`;
    for (const it of items) {
      done[it.k] ??= finish(it, undefined, `Step '${it.spec.step}' item ${it.spec.item?.name ?? it.k} ${why}`);
    }
    return await Promise.all(done as Promise<ItemOutcome>[]);
  } finally {
    for (const t of timers) clearTimeout(t);
    await removeDir(tmp);
  }
}

/** Stops item process `pid` when the step's timeout runs out (SIGTERM, then SIGKILL after the grace). */
function armTimeout(opts: RunBatchOptions, timers: Set<NodeJS.Timeout>, pid: number, onTimeout: () => void): void {
  const ms = (opts.timeoutSeconds ?? 0) * 1000;
  if (!(ms > 0) || ms > MAX_TIMER_MS || !Number.isInteger(pid)) return;
  const kill = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  const t = setTimeout(() => {
    onTimeout();
    kill('SIGTERM');
    const k = setTimeout(() => kill('SIGKILL'), opts.killGraceMs ?? 5000);
    k.unref();
    timers.add(k);
  }, ms);
  timers.add(t);
}

/** Masks, streams and stores one finished item, with a failure message as `runJob` writes one. */
async function finishItem(
  opts: RunBatchOptions,
  it: StagedItem,
  r: { exitCode?: number; times?: ItemTimes; failure?: string; timedOut: boolean; mask?: (t: string) => string },
): Promise<ItemOutcome> {
  const { layout, spec } = it;
  if (r.mask) await Promise.all([maskFile(layout.stdout, r.mask), maskFile(layout.stderr, r.mask)]);
  if (opts.onOutput) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = await readTail(layout[stream], Infinity);
      if (text.length > 0) opts.onOutput(stream, text);
    }
  }
  let failure = r.failure;
  if (failure === undefined && r.exitCode !== 0) {
    const how = r.timedOut ? timedOutAfter(opts.timeoutSeconds) : `failed: exit code ${r.exitCode ?? 'unknown'}`;
    const tail = tailOf([await readTail(layout.stderr, STDERR_TAIL_BYTES)]);
    failure = `Step '${spec.step}' item ${spec.item?.name ?? it.k} ${how}${r.mask ? r.mask(tail) : tail}`;
  }
  const outcome = await stageOutItem(opts.store, it, { exitCode: r.exitCode, times: r.times, failure, onWarning: opts.onWarning });
  opts.onItem?.(outcome);
  return outcome;
}

/** The last `max` bytes of a file (empty when it is missing). */
async function readTail(path: string, max: number): Promise<Buffer> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf;
  } finally {
    await fh.close();
  }
}

/**
 * A foreach job of several items — a mini-batch (`batch: N`), or an array child that runs several jobs
 * under `maxConcurrency` — staged once and run as one chain of item commands, in AWS Batch and locally.
 *
 * Stage-in materializes each job's code tree, inputs and parameters once in `<dir>/shared/<n>/` and only the
 * item-specific parts per item in `<dir>/items/<k>/` (its `outputs/`, its item file, `metrics.jsonl`, the
 * captured logs); `<dir>/step.sh` then runs the items' commands one after another, a failing item never
 * stopping the next. Stage-out stores each item that exited 0 under its own cache key and writes a failed run
 * document for each other one, so per-item reuse, failure reporting and `tolerate` are those of single items.
 *
 * The items of one job share its working directory (a copy of the code tree), as the items of a
 * ParallelRunStep mini-batch share their process; a job's items never see another job's.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunFailedError, UsageError } from '../errors';
import { loadJobSpec, type JobSpec, type StepRecord } from '../protocol';
import { canonicalJson, type ArtifactStore, type Hash } from '../store';
import { contractEnv } from './env';
import { stepDirLayout, type StepDirLayout } from './layout';
import { stageOut, writeFailedRunDocument } from './stage-out';
import { shQuote } from './step-script';

/** One item of a staged mini-batch. */
export interface StagedItem {
  /** Position in the chain (0-based), across all of the child's jobs. */
  readonly k: number;
  readonly job: Hash;
  readonly spec: JobSpec;
  /** Its paths: the item's own under `items/<k>/`, `work`, `inputs` and `params` its job's shared ones. */
  readonly layout: StepDirLayout;
}

/** Options for `stageInBatch`. */
export interface StageInBatchOptions {
  /** Variables set for every item over the contract's (e.g. `PW_GPUS` of a local lease). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Variables left out of step.sh, so the items inherit them from the chain's environment (secrets). @default - none */
  readonly inherit?: readonly string[];
}

/** The staging directory of item `k` of a mini-batch staged in `dir`. */
export function itemDir(dir: string, k: number): string {
  return join(dir, 'items', String(k));
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The argument that makes step.sh report progress as lines on file descriptor 4 instead of `date` stamps. */
export const PROGRESS_FD4 = '--progress-fd4';

/**
 * Stages every job of `groups` (each a list of item JobSpec hashes) in `dir` and writes the step.sh that runs
 * their items one after another (it exits 0 whatever the items do: stage-out reports each).
 */
export async function stageInBatch(store: ArtifactStore, groups: readonly (readonly Hash[])[], dir: string, opts: StageInBatchOptions = {}): Promise<StagedItem[]> {
  const jobs = groups.flat();
  const specs = await Promise.all(jobs.map((job) => loadJobSpec(store, job)));
  // A retried attempt may reuse the directory: start from a clean slate.
  await Promise.all(['items', 'shared'].map((d) => rm(join(dir, d), { recursive: true, force: true })));
  await mkdir(join(dir, 'items'), { recursive: true });
  // Within one job, items whose code, inputs and parameters agree share one staged copy of them.
  const shared = new Map<string, Promise<string>>();
  const stageShared = (g: number, spec: JobSpec): Promise<string> => {
    const id = `${g}\0${canonicalJson({ code: spec.code ?? null, inputs: spec.inputs, params: spec.params })}`;
    let p = shared.get(id);
    if (!p) {
      const root = join(dir, 'shared', String(shared.size));
      p = stageSharedParts(store, spec, root).then(() => root);
      shared.set(id, p);
    }
    return p;
  };
  let k = 0;
  const staged: Promise<StagedItem>[] = [];
  for (const [g, group] of groups.entries()) {
    for (const job of group) {
      const i = k++;
      const spec = specs[i];
      staged.push(
        stageShared(g, spec).then(async (root) => {
          const layout = { ...stepDirLayout(itemDir(dir, i)), work: join(root, 'work'), inputs: join(root, 'inputs'), params: join(root, 'params.json') };
          await stageItemParts(store, spec, layout);
          return { k: i, job, spec, layout };
        }),
      );
    }
  }
  const items = await Promise.all(staged);
  await writeFile(join(dir, 'step.sh'), renderBatchScript(items, dir, opts), { mode: 0o755 });
  await writeFile(stepDirLayout(dir).staged, `${JSON.stringify({ jobs, stagedAt: new Date().toISOString() })}\n`);
  return items;
}

/** A job's shared parts: `work/` (a copy of the code tree, or empty), `inputs/<x>` and `params.json`. */
async function stageSharedParts(store: ArtifactStore, spec: JobSpec, root: string): Promise<void> {
  const work = join(root, 'work');
  const inputs = join(root, 'inputs');
  await mkdir(root, { recursive: true });
  await Promise.all([
    spec.code ? store.materialize(spec.code, work) : mkdir(work),
    mkdir(inputs).then(() => Promise.all(Object.entries(spec.inputs).map(([name, ref]) => store.materialize(ref, join(inputs, name))))),
    writeFile(join(root, 'params.json'), `${JSON.stringify(spec.params, null, 2)}\n`),
  ]);
}

/** An item's own parts: an empty `outputs/`, its item file under `item/`, an empty `metrics.jsonl`. */
async function stageItemParts(store: ArtifactStore, spec: JobSpec, layout: StepDirLayout): Promise<void> {
  await mkdir(layout.outputs, { recursive: true });
  await Promise.all([
    writeFile(layout.metrics, ''),
    ...(spec.item?.ref !== undefined ? [mkdir(layout.item).then(() => store.materialize(spec.item!.ref!, join(layout.item, spec.item!.name)))] : []),
  ]);
}

/**
 * Renders the chain: for each item, its contract variables exported in a subshell that enters the job's
 * working directory and execs the command with stdout and stderr captured in the item's folder.
 *
 * Without arguments (a user container in AWS Batch) each item's start and end are stamped with `date` and its
 * logs copied to the container's output; with `--progress-fd4` (the local runner) it writes `s <k> <pid>`
 * and `e <k> <status>` lines on descriptor 4 instead, so no process is spawned besides the items' own.
 * SIGTERM or SIGINT reach the running item as SIGTERM and stop the chain.
 */
export function renderBatchScript(items: readonly StagedItem[], dir: string, opts: StageInBatchOptions = {}): string {
  const q = shQuote;
  const inherit = new Set(opts.inherit ?? []);
  const lines = [
    '#!/bin/sh',
    `# Generated by pipewright: runs the ${items.length} item(s) of foreach step '${(items[0]?.spec.step ?? '').replace(/\n/g, ' ')}' one after another (docs/steps.md).`,
    `D=${q(dir)}`,
    `if [ "\${1:-}" = ${PROGRESS_FD4} ]; then`,
    '  begin() { echo "s $1 $2" >&4; }',
    '  end() { echo "$2" > "$D/items/$1/exit_code"; echo "e $1 $2" >&4; }',
    'else',
    '  exec 4>/dev/null',
    '  begin() { (date +%s > "$D/items/$1/started_at") 2>/dev/null || :; }',
    '  end() {',
    '    (date +%s > "$D/items/$1/finished_at") 2>/dev/null || :',
    '    echo "$2" > "$D/items/$1/exit_code"',
    '    cat "$D/items/$1/stdout" 2>/dev/null; cat "$D/items/$1/stderr" >&2 2>/dev/null; :',
    '  }',
    'fi',
    'child=',
    'stopped=',
    'forward() { [ -n "$child" ] && kill -s TERM "$child" 2>/dev/null; }',
    "trap 'stopped=1; forward' TERM INT",
    'item() {',
    '  [ -z "$stopped" ] || exit 143',
    `  "$2" > "$D/items/$1/stdout" 2> "$D/items/$1/stderr" < /dev/null 4>&- &`,
    '  child=$!',
    '  begin "$1" "$child"',
    '  wait "$child"; code=$?',
    // A trapped signal interrupts `wait`; wait again until the item has really ended.
    '  while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done',
    '  child=',
    '  end "$1" "$code"',
    '}',
  ];
  for (const it of items) {
    const env: Record<string, string> = { ...contractEnv(it.spec, it.layout), ...opts.env };
    for (const name of inherit) delete env[name];
    const bad = Object.keys(env).filter((name) => !ENV_NAME.test(name));
    if (bad.length > 0) {
      throw new UsageError(
        `Step '${it.spec.step}': env name(s) ${bad.map((b) => JSON.stringify(b)).join(', ')} cannot be exported by a POSIX shell; ` +
          "expected letters, digits and _ (not starting with a digit). Rename them in the step's env.",
      );
    }
    lines.push(
      `i${it.k}() {`,
      `  cd ${q(it.layout.work)} || { echo "pipewright: cannot enter the working directory" >&2; exit 126; }`,
      ...Object.keys(env)
        .sort()
        .map((name) => `  export ${name}=${q(env[name])}`),
      `  exec ${it.spec.command.map(q).join(' ')}`,
      '}',
    );
  }
  // Each item's function runs in the background subshell `item` forks, so its `cd` and exports stay there.
  for (const it of items) lines.push(`item ${it.k} i${it.k}`);
  lines.push(`echo 0 > "$D/exit_code"`, 'exit 0', '');
  return lines.join('\n');
}

/** When an item ran, in epoch milliseconds, as the local runner saw it. */
export interface ItemTimes {
  readonly startedMs: number;
  readonly finishedMs: number;
}

/** What became of one item of a mini-batch. */
export interface ItemOutcome {
  readonly job: Hash;
  readonly spec: JobSpec;
  /** Its record, when it exited 0 and its outputs were stored. */
  readonly record?: StepRecord;
  /** Why it failed (also in its run document). */
  readonly error?: string;
}

async function readNumber(path: string): Promise<number | undefined> {
  const text = (await readFile(path, 'utf8').catch(() => '')).trim();
  return text === '' || !Number.isFinite(Number(text)) ? undefined : Number(text);
}

/**
 * Stores one staged item that exited 0 (its record and run document), or writes its failed run document
 * with `failure` (or the exit status) as the error.
 */
export async function stageOutItem(
  store: ArtifactStore,
  it: StagedItem,
  outcome: { readonly exitCode?: number; readonly times?: ItemTimes; readonly failure?: string; readonly onWarning?: (m: string) => void },
): Promise<ItemOutcome> {
  const { spec, layout } = it;
  let startedMs = outcome.times?.startedMs;
  let durationMs = outcome.times ? Math.max(0, Math.round(outcome.times.finishedMs - outcome.times.startedMs)) : undefined;
  if (startedMs === undefined) {
    const started = await readNumber(layout.startedAt);
    const finished = await readNumber(layout.finishedAt);
    startedMs = (started ?? Date.now() / 1000) * 1000;
    durationMs = started !== undefined && finished !== undefined ? Math.max(0, (finished - started) * 1000) : 0;
  }
  const startedAt = new Date(startedMs).toISOString();
  const exitCode = outcome.exitCode ?? (await readNumber(layout.exitCode));
  try {
    if (outcome.failure !== undefined) throw new RunFailedError(outcome.failure, spec.step);
    if (exitCode !== 0) throw new RunFailedError(`Step '${spec.step}' item ${spec.item?.name ?? it.k} failed: exit code ${exitCode ?? 'unknown'}`, spec.step);
    const record = await stageOut(store, it.job, layout.root, { exitCode: 0, startedAt, durationMs: durationMs ?? 0, spec, onWarning: outcome.onWarning });
    return { job: it.job, spec, record };
  } catch (err) {
    if (!(err instanceof RunFailedError)) throw err;
    await writeFailedRunDocument(store, spec, layout, { message: err.message, durationMs: durationMs ?? 0, startedAt, exitCode: exitCode ?? null }, outcome.onWarning);
    return { job: it.job, spec, error: err.message };
  }
}

/**
 * Stage-out of a mini-batch staged in `dir` (the runner image after the user's container): stores each item
 * that exited 0, writes a failed document for the others, and throws when any failed.
 */
export async function stageOutBatch(store: ArtifactStore, groups: readonly (readonly Hash[])[], dir: string): Promise<ItemOutcome[]> {
  const jobs = groups.flat();
  const outcomes: ItemOutcome[] = [];
  for (const [k, job] of jobs.entries()) {
    const spec = await loadJobSpec(store, job);
    const root = itemDir(dir, k);
    outcomes.push(await stageOutItem(store, { k, job, spec, layout: stepDirLayout(root) }, {}));
  }
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length > 0) throw new RunFailedError(`${failed.length} of ${jobs.length} items failed:\n${failed.map((f) => f.error).join('\n')}`);
  return outcomes;
}

/**
 * Stage-out: stores a finished step's outputs, logs and metrics, then its record (last).
 */
import { access, appendFile, lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RunFailedError } from '../errors';
import { loadJobSpec, runItemKey, runKey, writeStepRecord, type JobSpec, type Metric, type StepRecord, type StepRunDocument } from '../protocol';
import type { ArtifactRef, ArtifactStore, Hash } from '../store';
import { envSuffix } from './env';
import { type StepDirLayout, stepDirLayout } from './layout';
import { parseMetrics } from './metrics';

/** Where a job's run document goes: the step's, or for a foreach item the item's beside it. */
export function runDocumentKeyOf(spec: JobSpec): string {
  return spec.item ? runItemKey(spec.runId, spec.step, spec.item.index) : runKey(spec.runId, spec.step);
}

/** How the step's command ended. */
export interface CommandOutcome {
  /** The command's exit status (stage-out refuses anything but 0). */
  readonly exitCode: number;
  /** When the command started (ISO 8601). */
  readonly startedAt: string;
  readonly durationMs: number;
  /** Called with each warning (e.g. a malformed metrics line); warnings are also appended to the stored stderr. @default - none */
  readonly onWarning?: (message: string) => void;
  /** The job spec stage-in already loaded (same process), so it is not read and verified again. @default - read from the store */
  readonly spec?: JobSpec;
}

/** The captured streams and metrics of a staged step, stored in the CAS. */
export interface StoredLogs {
  readonly stdout: Hash;
  readonly stderr: Hash;
  readonly metrics: Metric[];
}

/** Stores stdout, stderr (with the metrics warnings appended) and parses the metrics of a staged step. */
export async function storeLogs(store: ArtifactStore, layout: StepDirLayout, onWarning?: (m: string) => void): Promise<StoredLogs> {
  const metricsText = await readFile(layout.metrics, 'utf8').catch(() => '');
  const { metrics, warnings } = parseMetrics(metricsText);
  if (warnings.length > 0) {
    for (const w of warnings) onWarning?.(w);
    await appendFile(layout.stderr, warnings.map((w) => `pipewright: ${w}\n`).join(''));
  }
  const [stdout, stderr] = await Promise.all([storeFile(store, layout.stdout), storeFile(store, layout.stderr)]);
  return { stdout, stderr, metrics };
}

async function storeFile(store: ArtifactStore, path: string): Promise<Hash> {
  try {
    await access(path);
  } catch {
    return store.putBytes(new Uint8Array(0));
  }
  return (await store.putPath(path)) as Hash;
}

/** Names the declared outputs missing from `outputs/`. */
export async function missingOutputs(spec: JobSpec, layout: StepDirLayout): Promise<string[]> {
  const missing: string[] = [];
  for (const name of spec.outputs) {
    try {
      await lstat(join(layout.outputs, name));
    } catch {
      missing.push(name);
    }
  }
  return missing;
}

/** Describes each declared output that is a symbolic link or a special file rather than a file or directory. */
export async function irregularOutputs(spec: JobSpec, layout: StepDirLayout): Promise<string[]> {
  const found: string[] = [];
  for (const name of spec.outputs) {
    const path = join(layout.outputs, name);
    const st = await lstat(path);
    if (st.isSymbolicLink()) found.push(`output '${name}' as a symbolic link (to ${await readlink(path).catch(() => '?')})`);
    else if (!st.isFile() && !st.isDirectory()) found.push(`output '${name}' as a special file (socket, FIFO or device)`);
  }
  return found;
}

/**
 * Completes a successful step staged in `dir`: checks and stores every declared output, the logs and the
 * metrics, writes `records/<key>` (last, so a crash never leaves a record naming missing data) and, at the same time,
 * `runs/<runId>/<step>.json` with status `ran`.
 *
 * Throws RunFailedError (and writes nothing) when the exit status is not 0 or a declared output is missing.
 */
export async function stageOut(store: ArtifactStore, jobHash: Hash, dir: string, result: CommandOutcome): Promise<StepRecord> {
  const spec = result.spec ?? (await loadJobSpec(store, jobHash));
  const layout = stepDirLayout(dir);
  if (result.exitCode !== 0) {
    throw new RunFailedError(`Step '${spec.step}' failed: exit code ${result.exitCode}; no outputs were stored.`, spec.step);
  }
  const missing = await missingOutputs(spec, layout);
  if (missing.length > 0) {
    throw new RunFailedError(
      `Step '${spec.step}' did not write its declared output${missing.length > 1 ? 's' : ''} ` +
        missing.map((m) => `'${m}' (expected a file or directory at $PW_OUTPUT_${envSuffix(m)} = ${join(layout.outputs, m)})`).join(', ') +
        `; write ${missing.length > 1 ? 'them' : 'it'} there, or remove ${missing.length > 1 ? 'them' : 'it'} from the step's outputs.`,
      spec.step,
    );
  }
  const irregular = await irregularOutputs(spec, layout);
  if (irregular.length > 0) {
    throw new RunFailedError(
      `Step '${spec.step}' published ${irregular.join(', ')}; an output must be a regular file or a directory ` +
        '(as inside a directory output, links are never followed, so a step cannot publish files outside its outputs); ' +
        'copy the target there instead.',
      spec.step,
    );
  }
  const [refs, logs, stats] = await Promise.all([
    Promise.all(spec.outputs.map((name) => store.putPath(join(layout.outputs, name)))),
    storeLogs(store, layout, result.onWarning),
    Promise.all(spec.outputs.map((name) => lstat(join(layout.outputs, name)))),
  ]);
  const sizes: Record<string, number> = {};
  spec.outputs.forEach((name, i) => {
    if (stats[i].isFile()) sizes[name] = stats[i].size;
  });
  const outputs: Record<string, ArtifactRef> = Object.fromEntries(spec.outputs.map((name, i) => [name, refs[i]]));

  const record: StepRecord = {
    v: 1,
    key: spec.key,
    keyDocument: spec.keyDocument,
    step: spec.step,
    pipeline: spec.pipeline,
    runId: spec.runId,
    outputs,
    metrics: logs.metrics,
    stdout: logs.stdout,
    stderr: logs.stderr,
    startedAt: result.startedAt,
    durationMs: result.durationMs,
    ...(Object.keys(sizes).length > 0 ? { sizes } : {}),
  };
  const runDoc: StepRunDocument = {
    step: spec.step,
    status: 'ran',
    cacheKey: spec.key,
    outputs,
    metrics: logs.metrics,
    durationMs: result.durationMs,
    startedAt: result.startedAt,
    stdout: logs.stdout,
    stderr: logs.stderr,
    exitCode: 0,
  };
  // The record needs only the blobs above; the run document is informational, so both are written at once.
  await Promise.all([writeStepRecord(store, record), store.putJson(runDocumentKeyOf(spec), runDoc)]);
  return record;
}

/** What a failed attempt of a step leaves in its run document. */
export interface FailedAttempt {
  readonly message: string;
  readonly durationMs: number;
  /** ISO time the command started. */
  readonly startedAt: string;
  readonly exitCode: number | null;
}

/** Writes the run document of a failed step (or foreach item) with whatever logs and metrics it left. */
export async function writeFailedRunDocument(
  store: ArtifactStore,
  spec: JobSpec,
  layout: StepDirLayout,
  attempt: FailedAttempt,
  onWarning?: (m: string) => void,
): Promise<void> {
  const logs = await storeLogs(store, layout, onWarning).catch(() => undefined);
  const doc: StepRunDocument = {
    step: spec.step,
    status: 'failed',
    cacheKey: spec.key,
    outputs: {},
    metrics: logs?.metrics ?? [],
    durationMs: attempt.durationMs,
    startedAt: attempt.startedAt,
    stdout: logs?.stdout,
    stderr: logs?.stderr,
    error: attempt.message,
    exitCode: attempt.exitCode,
  };
  await store.putJson(runDocumentKeyOf(spec), doc);
}

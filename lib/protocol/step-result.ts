/**
 * A step's result within a run: the document the lookup handler or the runner stores for it, and the one
 * shape the engine's run document and the API's run view both report.
 */
import type { ArtifactRef, Hash } from '../store';
import { lastMetricValues, type Metric } from './step-record';

/** The state of a run as a whole. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What finally happened to one step in a run. */
export type FinishedStepStatus =
  | 'ran'
  | 'reused'
  | 'failed'
  /** Not run because something upstream failed or the run was cancelled. */
  | 'skipped';

/** The state of one step in a run: finished, or not yet. */
export type StepStatus =
  | FinishedStepStatus
  /** The run is still going and the step has not finished (cloud: not started or still running). */
  | 'pending'
  /** Executing now (local runs only; the cloud reports `pending` until the step's result is written). */
  | 'running';

/**
 * One step's result within a run, as the run document and the API report it.
 *
 * A finished run (the engine's run document) narrows `S` to `FinishedStepStatus`.
 */
export interface StepResult<S extends StepStatus = StepStatus> {
  readonly status: S;
  /** @default - none: the step never reached its cache lookup */
  readonly cacheKey?: Hash;
  /** When the command started (ISO 8601). @default - none */
  readonly startedAt?: string;
  /** Wall time of the step's execution (ran or failed) or of its lookup (reused). @default - none */
  readonly durationMs?: number;
  /** Output name → artifact. @default - none (failed or skipped) */
  readonly outputs?: Readonly<Record<string, ArtifactRef>>;
  /** Metric name → last value logged. @default - none */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Time the reused record originally took, i.e. time saved by reusing it. @default - none */
  readonly savedMs?: number;
  /** Why the step failed. @default - none */
  readonly error?: string;
}

/** A finished step's result (what the engine's run document holds). */
export type FinishedStepResult = StepResult<FinishedStepStatus>;

/** One step's result within a run, stored at `runs/<runId>/<step>.json` by the lookup handler or the runner. */
export interface StepRunDocument {
  readonly step: string;
  /** `reused` (written by lookup), `ran` (runner, after the record), `failed` (local runner, no record). */
  readonly status: 'ran' | 'reused' | 'failed';
  readonly cacheKey: Hash;
  /** Outputs the step produced or reused (empty when it failed). */
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  readonly metrics: readonly Metric[];
  /** Time the step took in this run (0 when reused). */
  readonly durationMs: number;
  /** When the command started (ISO 8601). @default - none (reused) */
  readonly startedAt?: string;
  /** Blob hashes of the captured streams (of the recorded execution when reused). @default - none */
  readonly stdout?: Hash;
  /** @default - none */
  readonly stderr?: Hash;
  /** Duration of the recorded execution that reuse saved. @default - none (not reused) */
  readonly savedMs?: number;
  /** Run that produced the reused record. @default - none (not reused) */
  readonly recordRunId?: string;
  /** Why the step failed. @default - none (not failed) */
  readonly error?: string;
  /** The command's exit status (null when killed by a signal). @default - none */
  readonly exitCode?: number | null;
}

/** The step result a stored step document reports. */
export function stepResultOf(doc: StepRunDocument): StepResult<StepRunDocument['status']> {
  return {
    status: doc.status,
    cacheKey: doc.cacheKey,
    ...(doc.startedAt !== undefined ? { startedAt: doc.startedAt } : {}),
    durationMs: doc.durationMs,
    outputs: doc.outputs,
    metrics: lastMetricValues(doc.metrics),
    ...(doc.savedMs !== undefined ? { savedMs: doc.savedMs } : {}),
    ...(doc.error !== undefined ? { error: doc.error } : {}),
  };
}

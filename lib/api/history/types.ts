/**
 * Types of the run history: what the UI, `pipewright runs --api`, `compare`, `metrics` and `lineage` read
 * (the read side of the API: runs listed with paging, one run with its DAG, one step with logs and metrics).
 */
import type { ParameterValue } from '../../ir';
import type { CacheKeyDocument, Metric, RunStatus, StepResult } from '../../protocol';
import type { ArtifactRef, Hash } from '../../store';
import type { ApiRunView } from '../types';

/** Step counts of a run by status. */
export interface ApiStepCounts {
  readonly ran: number;
  readonly reused: number;
  readonly failed: number;
  readonly skipped: number;
  /** Pending or running. */
  readonly pending: number;
}

/** One run as `GET /pipelines/{name}/runs` lists it. */
export interface ApiRunSummary {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  /** What started it: `cli`, `api`, `schedule` (or `schedule:<name>`). @default - unknown (older runs) */
  readonly trigger?: string;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Wall time so far (running) or in total. */
  readonly durationMs: number;
  readonly steps: ApiStepCounts;
  /** Time the reused steps originally took, i.e. what reuse saved. */
  readonly savedMs: number;
  /** `<step>.<metric>` → last value logged. */
  readonly metrics: Readonly<Record<string, number>>;
  /** State machine version that ran (cloud). @default - none */
  readonly version?: number;
}

/** A page of runs, newest first. */
export interface ApiRunPage {
  readonly runs: readonly ApiRunSummary[];
  /** Pass as `cursor` for the next (older) page. @default - none: this is the last page */
  readonly nextCursor?: string;
}

/** Foreach progress of a step that fans out over items. */
export interface ApiItemCounts {
  readonly total: number;
  readonly ran: number;
  readonly reused: number;
  readonly failed: number;
}

/** A step of a run detail: the run view's step plus where it sits in the DAG. */
export interface ApiStepNode extends StepResult {
  /** Steps whose outputs (or completion) this step waits for. */
  readonly upstream: readonly string[];
  /** Items of a foreach step, rendered as one grouped node. @default - not a foreach step */
  readonly items?: ApiItemCounts;
  /** A foreach step's failed items and why. @default - none */
  readonly failedItems?: readonly { readonly index: number; readonly name: string; readonly error: string }[];
  /** Why a skipped step was skipped: `upstream-failed`, `cancelled` or `condition`. @default - unknown */
  readonly skipReason?: string;
  /** Run whose record a reused step took its outputs from. @default - none */
  readonly recordRunId?: string;
}

/** What `GET /pipelines/{name}/runs/{runId}?detail=1` returns: the run view with the DAG and step timings. */
export interface ApiRunDetail extends Omit<ApiRunView, 'steps'> {
  readonly steps: Readonly<Record<string, ApiStepNode>>;
  /** Trigger of the run. @default - unknown */
  readonly trigger?: string;
  /** Hash of the pipeline manifest the run executed. @default - unknown (older or cloud run without it) */
  readonly manifest?: Hash;
}

/** Captured output of a step (the tail, when large). */
export interface ApiStepLogs {
  readonly stdout: string;
  readonly stderr: string;
  /** true when either stream was cut to its last `LOG_TAIL_BYTES` bytes. */
  readonly truncated: boolean;
}

/** What `GET /pipelines/{name}/runs/{runId}/steps/{step}` returns. */
export interface ApiStepDetail extends ApiStepNode {
  readonly name: string;
  readonly runId: string;
  readonly pipeline: string;
  /** Every metric point logged, in order (the full series, not only the last value). */
  readonly metricSeries: readonly Metric[];
  /** The components of the cache key. @default - unknown (no record) */
  readonly keyDocument?: CacheKeyDocument;
  /** The command's exit status. @default - unknown */
  readonly exitCode?: number | null;
  /** @default - none captured */
  readonly logs?: ApiStepLogs;
}

/** One place an artifact was produced or consumed. */
export interface ApiLineageUse {
  readonly pipeline: string;
  readonly runId: string;
  readonly step: string;
  /** The output (produced) or input (consumed) name. */
  readonly name: string;
  /** The step's status in that run (`reused`: it took the artifact from an earlier run's record). */
  readonly status: string;
  readonly startedAt: string;
}

/** What `GET /lineage/{ref}` returns. */
export interface ApiLineage {
  /** The reference asked for. */
  readonly ref: string;
  /** The artifact it resolved to. */
  readonly artifact: ArtifactRef;
  readonly producedBy: readonly ApiLineageUse[];
  readonly consumedBy: readonly ApiLineageUse[];
  /** Runs looked at (lineage covers the newest runs of each pipeline). */
  readonly runsScanned: number;
}

/** What `GET /pipelines/{name}/runs/{runId}/steps/{step}/explain/{againstRunId}` returns. */
export interface ApiExplainDiff {
  readonly runId: string;
  readonly against: string;
  readonly step: string;
  /** `same`: equal keys; `differs`: the lines say which components changed; `unknown`: a key document is missing. */
  readonly verdict: 'same' | 'differs' | 'unknown';
  readonly lines: readonly string[];
}

/**
 * Where runs come from: the part of the history that differs between the local store and the cloud.
 *
 * Everything else (steps, logs, metrics, explain, lineage) is read from the store the same way in both.
 */
export interface RunSource {
  /** Names of the pipelines with runs or definitions here. */
  pipelineNames(): Promise<string[]>;
  /** A page of a pipeline's runs, newest first; `undefined` when the pipeline is unknown. */
  listRuns(pipeline: string, limit: number, cursor?: string): Promise<ApiRunPage | undefined>;
  /** The live view of one run; `undefined` when there is no such run of that pipeline. */
  getRun(pipeline: string, runId: string): Promise<ApiRunView | undefined>;
  /** What the view leaves out: the manifest hash, the trigger, `after` edges known from a definition. */
  runExtras(pipeline: string, runId: string): Promise<RunExtras>;
  /** The pipeline a run belongs to; `undefined` when no pipeline has it. */
  pipelineOfRun(runId: string): Promise<string | undefined>;
}

/** Facts about a run beyond its view. */
export interface RunExtras {
  /** @default - unknown */
  readonly manifest?: Hash;
  /** @default - unknown */
  readonly trigger?: string;
  /** Step → steps it runs after (data edges come from the manifest). @default - none */
  readonly after?: Readonly<Record<string, readonly string[]>>;
}

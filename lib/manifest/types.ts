/**
 * The deployment manifest and the job spec: the data the compiled state machine refers to by hash.
 *
 * The compiled ASL stays small and independent of file contents: each step's lookup task passes only
 * the step name; the `${Manifest}` placeholder is the hash of a PipelineManifest blob in the store,
 * built at run time (local engine) or at synth time (CDK), which holds everything else.
 */
import type { ComputeIR, ForeachIR, ParameterIR, ParameterValue, WhenIR } from '../ir/types';
import type { ArtifactRef, Hash } from '../store/types';

/** Where a step input comes from, with local data already stored. */
export type ManifestInput =
  | { readonly kind: 'step'; readonly step: string; readonly output: string }
  /** A `path:` input, stored in the CAS when the manifest was built. */
  | { readonly kind: 'artifact'; readonly ref: ArtifactRef }
  | { readonly kind: 'uri'; readonly uri: string };

/** One step as the lookup handler and the runner see it. */
export interface ManifestStep {
  readonly name: string;
  /** Tree of the step's code directory. @default null - empty working directory */
  readonly code: ArtifactRef | null;
  readonly command: readonly string[];
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  readonly inputs: Readonly<Record<string, ManifestInput>>;
  readonly params: readonly string[];
  readonly outputs: readonly string[];
  readonly compute: ComputeIR;
  readonly retries: number;
  readonly timeoutSeconds: number;
  readonly cache: boolean;
  readonly cacheVersion: string | null;
  /** Runs the step once per item. @default - none: a plain step */
  readonly foreach?: ForeachIR;
  /** The step's condition. @default - none: always runs */
  readonly when?: WhenIR;
}

/** A pipeline's manifest, stored as canonical JSON in the CAS; its hash fills `${Manifest}`. */
export interface PipelineManifest {
  readonly v: 1;
  readonly pipeline: string;
  readonly parameters: Readonly<Record<string, ParameterIR>>;
  readonly steps: Readonly<Record<string, ManifestStep>>;
}

/** The state machine's execution input (built by the engine, the trigger API and schedules). */
export interface ExecutionInput {
  /** Every declared parameter, typed, defaults filled in. */
  readonly p: Readonly<Record<string, ParameterValue>>;
  /** true = ignore the store for every step (`--no-cache`). */
  readonly n: boolean;
}

/** Payload the lookup task sends: `{"s": "<step>", "i.$": "$"}`, where `$` is the running context. */
export interface LookupRequest {
  readonly s: string;
  /** true = the gather task of a foreach step (after its jobs), not its lookup. @default false */
  readonly g?: boolean;
  readonly i: {
    readonly p: Readonly<Record<string, ParameterValue>>;
    readonly n: boolean;
    /** Manifest hash (filled by the `Start` Pass state from `${Manifest}`). */
    readonly m: Hash;
    /** Execution id (`$$.Execution.Id`); the run id is its last `:`-separated segment (the execution name). */
    readonly x: string;
    /** The previous task's lookup result (the gather task of a foreach step reads its plan's start time). @default - none */
    readonly c?: LookupResult;
  };
}

/** What the lookup handler returns (stored at `$.c`). */
export interface LookupResult {
  readonly step: string;
  /** The step's cache key (absent when the step is skipped: its key is never computed). */
  readonly key?: Hash;
  /** true = run the Batch job; false = reused. */
  readonly run: boolean;
  /** Hash of the JobSpec blob the runner executes (only when run is true). */
  readonly job?: Hash;
  /** Recorded outputs (only when reused). */
  readonly outputs?: Readonly<Record<string, ArtifactRef>>;
  /** Cause the failure path reports, naming the step: `Step 'train' failed`. */
  readonly fail: string;
  /**
   * A foreach step's jobs to submit (only when run is true): 0 = none (gather only), 1 = one plain job,
   * 2 or more = one Batch array job of this size. `job` is then the hash of the `ForeachPlan`.
   */
  readonly jobs?: number;
  /** When a foreach step's plan was made (ISO 8601), so the gather can report the step's duration. @default - not a foreach step */
  readonly at?: string;
  /** The metric values the step's condition reads, in the compiled Choice's order (`$.c.v[i]`). @default - no condition */
  readonly v?: readonly number[];
  /** Why the step is skipped (run is then false). @default - not skipped */
  readonly skip?: SkipReason;
}

/** Why a step was skipped: its condition was false, or it needs the outputs of a step that was skipped. */
export interface SkipReason {
  readonly reason: 'condition';
  /** The step whose condition was false (this step itself, or an upstream step). */
  readonly step: string;
  /** The condition as written. */
  readonly condition: string;
}

/** The jobs of a foreach step's run, stored as a blob: array child `i` runs the item jobs of `batches[i]`. */
export interface ForeachPlan {
  readonly v: 1;
  readonly kind: 'foreach';
  readonly step: string;
  readonly runId: string;
  /** Per job: the JobSpec hashes of its items, run one after another. */
  readonly batches: readonly (readonly Hash[])[];
}

/** The item a foreach item's job runs on. */
export interface JobItem {
  /** Position in the step's item list (0-based). */
  readonly index: number;
  /** Its name in the gathered outputs: the entry name, or the index zero-padded to 4 digits. */
  readonly name: string;
  /** The item's file or directory (directory or s3 sources, or a JSON array item). @default - a value */
  readonly ref?: ArtifactRef;
  /** The item's value (list parameters and JSON arrays of strings, numbers or booleans). @default - a file */
  readonly value?: string;
}

/** Everything the runner needs to execute one step, stored as a blob; its hash is the Batch `job` parameter. */
export interface JobSpec {
  readonly v: 1;
  readonly pipeline: string;
  readonly runId: string;
  readonly step: string;
  readonly key: Hash;
  readonly keyDocument: import('../store/types').CacheKeyDocument;
  readonly code: ArtifactRef | null;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Input name → content to stage. */
  readonly inputs: Readonly<Record<string, ArtifactRef>>;
  /** Declared parameter name → typed value. */
  readonly params: Readonly<Record<string, ParameterValue>>;
  readonly outputs: readonly string[];
  readonly gpus: number;
  /** The item, for one item of a foreach step. @default - not an item */
  readonly item?: JobItem;
}

/** One step's result within a run, stored at `runs/<runId>/<step>.json` by the lookup handler or the runner. */
export interface StepRunDocument {
  readonly step: string;
  /** `reused` (written by lookup), `ran` (runner, after the record), `failed` (local runner, no record), `skipped` (lookup: a false condition). */
  readonly status: 'ran' | 'reused' | 'failed' | 'skipped';
  /** Why the step was skipped. @default - not skipped */
  readonly skip?: SkipReason;
  /** The step's cache key. @default - none: skipped before its key was computed */
  readonly cacheKey?: Hash;
  /** Outputs the step produced or reused (empty when it failed). */
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  readonly metrics: readonly import('../store/types').Metric[];
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
  /** A foreach step's item counts. @default - not a foreach step */
  readonly items?: ItemCounts;
  /** A foreach step's failed items and their errors (a tolerated failure, or the reason it failed). @default - none */
  readonly failedItems?: readonly import('../store/types').FailedItem[];
}

/** How a foreach step's items went. */
export interface ItemCounts {
  readonly total: number;
  readonly ran: number;
  readonly reused: number;
  readonly failed: number;
}

/** Store key of the document of one foreach item's job within a run (beside the step's `runs/<runId>/<step>.json`). */
export function itemDocumentKey(runId: string, step: string, index: number): string {
  return `runs/${runId}/${step}/${index}.json`;
}

/**
 * Types of the local engine: run options, the run handle, the run document and progress events.
 */
import type { ParameterValue, PipelineIR } from '../ir';
import type { FinishedStepResult, RunStatus } from '../protocol';
import type { ResolvedParameters } from '../spec';
import type { ArtifactStore, Hash } from '../store';

/** The document of one run, stored at `runs/<runId>.json` (also what `run --json` and `show --json` print). */
export interface RunDocument {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  /** Every declared parameter, typed, defaults filled in. */
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Wall time of the run (0 while it is running). */
  readonly durationMs: number;
  /** Step name → result (a running run lists no steps). */
  readonly steps: Readonly<Record<string, FinishedStepResult>>;
  /** Location of the store the run used. */
  readonly store: string;
  /** Hash of the pipeline manifest the run executed. */
  readonly manifest: Hash;
  /** Why the run failed when no single step explains it. @default - none */
  readonly error?: string;
  /** What started the run: `cli`, `api`, `schedule:<name>`. @default - unknown (runs recorded before it was kept) */
  readonly trigger?: string;
  /**
   * Step → steps it runs `after` without taking their data (the manifest holds only data edges), so a
   * reader can draw the whole DAG. Only steps with such edges are listed. @default - none
   */
  readonly after?: Readonly<Record<string, readonly string[]>>;
  /**
   * The process executing the run, recorded while it is `running`, so that a reader can tell a run in
   * progress from one whose process was killed. @default - none (finished runs)
   */
  readonly owner?: { readonly host: string; readonly pid: number };
}

/** Progress events a run reports while it executes. */
export type EngineEvent =
  | { readonly type: 'run-started'; readonly runId: string; readonly pipeline: string; readonly steps: readonly string[] }
  | { readonly type: 'step-checking'; readonly step: string }
  | { readonly type: 'step-queued'; readonly step: string }
  | { readonly type: 'step-started'; readonly step: string; readonly attempt: number }
  | { readonly type: 'step-output'; readonly step: string; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'step-retrying'; readonly step: string; readonly attempt: number; readonly error: string }
  | { readonly type: 'step-finished'; readonly step: string; readonly result: FinishedStepResult }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'run-finished'; readonly document: RunDocument };

/** Options of one local run. */
export interface RunOptions {
  /** The validated pipeline. */
  readonly pipeline: PipelineIR;
  /** Where artifacts, records and run documents go. */
  readonly store: ArtifactStore;
  /** Parameter values, resolved once by lib/spec `resolveParameters` (the engine does not check them again). @default - each parameter's default */
  readonly parameters?: ResolvedParameters;
  /** Ignore the store for every step (`--no-cache`). @default false */
  readonly noCache?: boolean;
  /** Most steps running at once. @default - the machine's CPU count */
  readonly concurrency?: number;
  /** The run id. @default - a new time-sortable id */
  readonly runId?: string;
  /** Fail (UsageError) before anything runs when a step asks for GPUs and none are present. @default false */
  readonly requireGpus?: boolean;
  /** Report each step's stdout/stderr as `step-output` events. @default false */
  readonly verbose?: boolean;
  /** Receives progress events. @default - none */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Cancels the run when aborted. @default - none */
  readonly signal?: AbortSignal;
  /** What started the run, kept in its document (`cli`, `api`, `schedule:<name>`). @default - none */
  readonly trigger?: string;
  /** GPUs available (ids for CUDA_VISIBLE_DEVICES). @default - detected with nvidia-smi */
  readonly gpus?: readonly string[];
}

/** A run in progress. */
export interface RunHandle {
  readonly runId: string;
  /** The final run document (also stored at `runs/<runId>.json`); rejects only on bad options or a broken store. */
  readonly result: Promise<RunDocument>;
  /** Stops the run: kills running steps and finishes with status `cancelled`. */
  cancel(): void;
}

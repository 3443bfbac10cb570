/**
 * The execution input of a pipeline's state machine, and the lookup task's request and result.
 *
 * The wire forms keep the definition's short keys (see asl-names.ts); code builds and reads them through
 * `executionInput` and `decodeLookupRequest`.
 */
import type { ParameterValue } from '../ir';
import type { ArtifactRef, Hash } from '../store';
import { CONTEXT_KEYS, LOOKUP_KEYS } from './asl-names';

type Values = Readonly<Record<string, ParameterValue>>;

/** The state machine's execution input (built by the engine, the trigger API and schedules). */
export interface ExecutionInput {
  /** Every declared parameter, typed, defaults filled in. */
  readonly [CONTEXT_KEYS.parameters]: Values;
  /** true = ignore the store for every step (`--no-cache`). */
  readonly [CONTEXT_KEYS.noCache]: boolean;
}

/** The execution input for resolved parameters. */
export function executionInput(parameters: Values, noCache = false): ExecutionInput {
  return { [CONTEXT_KEYS.parameters]: parameters, [CONTEXT_KEYS.noCache]: noCache };
}

/** The parameters an execution's input JSON carries; `{}` when it is not a Pipewright execution input. */
export function parametersOfInput(inputJson: string | undefined): Values {
  try {
    const p = (JSON.parse(inputJson ?? '{}') as Partial<ExecutionInput> | null)?.[CONTEXT_KEYS.parameters];
    return typeof p === 'object' && p !== null ? p : {};
  } catch {
    return {};
  }
}

/** The running context the `Start` state builds: the execution input plus the manifest and execution id. */
export interface RunningContext extends ExecutionInput {
  /** Manifest hash (filled by the `Start` Pass state from `${Manifest}`). */
  readonly [CONTEXT_KEYS.manifest]: Hash;
  /** Execution id (`$$.Execution.Id`); the run id is its last `:`-separated segment (the execution name). */
  readonly [CONTEXT_KEYS.executionId]: string;
}

/** Payload the lookup task sends: `{"s": "<step>", "i.$": "$"}`, where `$` is the running context. */
export interface LookupRequest {
  readonly [LOOKUP_KEYS.step]: string;
  readonly [LOOKUP_KEYS.context]: RunningContext & {
    /** The previous task's lookup result (the gather task reads its plan's start time). @default - none */
    readonly [CONTEXT_KEYS.lookupResult]?: LookupResult;
    /** The error that failed the run (finally-steps only). @default - the run has not failed */
    readonly [CONTEXT_KEYS.runFailure]?: RunFailure;
    /** The finally-only execution's own id (its finally-steps only). @default - not a finally-only execution */
    readonly [CONTEXT_KEYS.finallyExecution]?: string;
  };
  /** true = the gather task of a foreach step. @default false */
  readonly [LOOKUP_KEYS.gather]?: boolean;
}

/** A lookup request with readable names. */
export interface LookupCall {
  readonly step: string;
  readonly parameters: Values;
  readonly noCache: boolean;
  readonly manifest: Hash;
  readonly executionId: string;
  /** The run id: the last `:`-separated segment of the execution id. */
  readonly runId: string;
  /** true = the gather task of a foreach step. @default false */
  readonly gather?: boolean;
  /** The previous lookup result in the context (the gather reads its plan). @default - none */
  readonly previous?: LookupResult;
  /** The error that failed the run (finally-steps only). @default - the run has not failed */
  readonly failure?: RunFailure;
  /** The finally-only execution running this finally-step for a stopped run. @default - not a finally-only execution */
  readonly finallyExecution?: string;
}

/** The error that failed a run, as Step Functions catches it; `Pipewright.Cancelled` for a cancelled local run. */
export interface RunFailure {
  readonly Error?: string;
  readonly Cause?: string;
}

/** The error name a cancelled run's finally-steps see (a local cancel, or a cloud execution stopped: ABORTED). */
export const CANCELLED_ERROR = 'Pipewright.Cancelled';
/** The error name the finally-steps of a cloud execution that timed out (TIMED_OUT) see. */
export const TIMED_OUT_ERROR = 'Pipewright.TimedOut';

/** The run status a finally-step sees (`$PW_RUN_STATUS`). */
export function runStatusOf(failure: RunFailure | undefined): 'succeeded' | 'failed' | 'cancelled' | 'timed-out' {
  if (failure === undefined) return 'succeeded';
  return failure.Error === CANCELLED_ERROR ? 'cancelled' : failure.Error === TIMED_OUT_ERROR ? 'timed-out' : 'failed';
}

/** Reads a lookup request's fields by their readable names. */
export function decodeLookupRequest(req: LookupRequest): LookupCall {
  const ctx = req[LOOKUP_KEYS.context];
  const executionId = ctx[CONTEXT_KEYS.executionId];
  return {
    step: req[LOOKUP_KEYS.step],
    parameters: ctx[CONTEXT_KEYS.parameters],
    noCache: ctx[CONTEXT_KEYS.noCache],
    manifest: ctx[CONTEXT_KEYS.manifest],
    executionId,
    runId: runIdOf(executionId),
    ...(req[LOOKUP_KEYS.gather] === true ? { gather: true } : {}),
    ...(ctx[CONTEXT_KEYS.lookupResult] !== undefined ? { previous: ctx[CONTEXT_KEYS.lookupResult] } : {}),
    ...(ctx[CONTEXT_KEYS.runFailure] !== undefined ? { failure: ctx[CONTEXT_KEYS.runFailure] } : {}),
    ...(typeof ctx[CONTEXT_KEYS.finallyExecution] === 'string' ? { finallyExecution: ctx[CONTEXT_KEYS.finallyExecution] } : {}),
  };
}

/** Builds a lookup request (what the state machine sends) from readable names. */
export function lookupRequest(call: Omit<LookupCall, 'runId'>): LookupRequest {
  return {
    [LOOKUP_KEYS.step]: call.step,
    ...(call.gather ? { [LOOKUP_KEYS.gather]: true } : {}),
    [LOOKUP_KEYS.context]: {
      ...executionInput(call.parameters, call.noCache),
      [CONTEXT_KEYS.manifest]: call.manifest,
      [CONTEXT_KEYS.executionId]: call.executionId,
      ...(call.previous ? { [CONTEXT_KEYS.lookupResult]: call.previous } : {}),
      ...(call.failure ? { [CONTEXT_KEYS.runFailure]: call.failure } : {}),
      ...(call.finallyExecution ? { [CONTEXT_KEYS.finallyExecution]: call.finallyExecution } : {}),
    },
  };
}

/** The run id of an execution: the last `:`-separated segment of its id. */
export function runIdOf(executionId: string): string {
  const parts = executionId.split(':');
  return parts[parts.length - 1];
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

/** The failure cause a lookup result carries for a step. */
export function stepFailedCause(step: string): string {
  return `Step '${step}' failed`;
}

/** The step a Step Functions failure cause names (`Step 'train' failed`), if any. */
export function failedStepOf(cause: string | undefined): string | undefined {
  return cause ? /Step '([^']+)' failed/.exec(cause)?.[1] : undefined;
}

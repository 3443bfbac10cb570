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
  readonly [LOOKUP_KEYS.context]: RunningContext;
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
  };
}

/** Builds a lookup request (what the state machine sends) from readable names. */
export function lookupRequest(call: Omit<LookupCall, 'runId'>): LookupRequest {
  return {
    [LOOKUP_KEYS.step]: call.step,
    [LOOKUP_KEYS.context]: {
      ...executionInput(call.parameters, call.noCache),
      [CONTEXT_KEYS.manifest]: call.manifest,
      [CONTEXT_KEYS.executionId]: call.executionId,
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
  /** The step's cache key. */
  readonly key: Hash;
  /** true = run the Batch job; false = reused. */
  readonly run: boolean;
  /** Hash of the JobSpec blob the runner executes (only when run is true). */
  readonly job?: Hash;
  /** Recorded outputs (only when reused). */
  readonly outputs?: Readonly<Record<string, ArtifactRef>>;
  /** Cause the failure path reports, naming the step: `Step 'train' failed`. */
  readonly fail: string;
}

/** The failure cause a lookup result carries for a step. */
export function stepFailedCause(step: string): string {
  return `Step '${step}' failed`;
}

/** The step a Step Functions failure cause names (`Step 'train' failed`), if any. */
export function failedStepOf(cause: string | undefined): string | undefined {
  return cause ? /Step '([^']+)' failed/.exec(cause)?.[1] : undefined;
}

/**
 * What the compiler produces: an Amazon States Language definition with named placeholders, and the
 * table of AWS Batch job definitions its steps refer to.
 *
 * The shapes follow docs/architecture.md ("The compiled state machine"); docs/compiler.md explains them.
 */

/** A Pass state (only `Start`); exactly one of Next and End is set. */
export interface AslPassState {
  readonly Type: 'Pass';
  readonly Parameters: Readonly<Record<string, unknown>>;
  /** @default - none: the pipeline has no steps */
  readonly Next?: string;
  /** @default - not set: the state has a Next */
  readonly End?: true;
}

/** One Retry rule; omitted fields take the States Language defaults (1 s, 3 attempts, backoff 2.0). */
export interface AslRetrier {
  readonly ErrorEquals: readonly string[];
  /** @default 1 */
  readonly IntervalSeconds?: number;
  /** @default 3 */
  readonly MaxAttempts?: number;
  /** @default 2 */
  readonly BackoffRate?: number;
  /** Upper bound of the wait between attempts. @default - none */
  readonly MaxDelaySeconds?: number;
  /** `FULL` randomizes each wait between 0 and the computed delay. @default 'NONE' */
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/** One Catch rule. */
export interface AslCatcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string;
  readonly Next: string;
}

/** A Task state: the lookup (`<s>`) or the Batch job (`<s> run`); exactly one of Next and End is set. */
export interface AslTaskState {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters: Readonly<Record<string, unknown>>;
  readonly ResultPath: string | null;
  readonly Retry: readonly AslRetrier[];
  /** @default - no catcher (lookup tasks) */
  readonly Catch?: readonly AslCatcher[];
  /** @default - none: the state ends its branch */
  readonly Next?: string;
  /** @default - not set: the state has a Next */
  readonly End?: true;
}

/** A Choice rule of the reuse Choice state. */
export interface AslChoiceRule {
  readonly Variable: string;
  readonly BooleanEquals: boolean;
  readonly Next: string;
}

/** The `<s> reused?` Choice state. */
export interface AslChoiceState {
  readonly Type: 'Choice';
  readonly Choices: readonly AslChoiceRule[];
  readonly Default: string;
}

/** One branch of a Parallel state. */
export interface AslBranch {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** A `Parallel <n>` state; exactly one of Next and End is set. */
export interface AslParallelState {
  readonly Type: 'Parallel';
  readonly Branches: readonly AslBranch[];
  readonly ResultPath: null;
  /** @default - none: the state ends its branch */
  readonly Next?: string;
  /** @default - not set: the state has a Next */
  readonly End?: true;
}

/** A `Failed <n>` state. */
export interface AslFailState {
  readonly Type: 'Fail';
  readonly Error: string;
  readonly CausePath: string;
}

/** A `Done <n>` state. */
export interface AslSucceedState {
  readonly Type: 'Succeed';
}

/** Any state the compiler emits. */
export type AslState =
  | AslPassState
  | AslTaskState
  | AslChoiceState
  | AslParallelState
  | AslFailState
  | AslSucceedState;

/** A whole state machine definition (JSONPath only: no QueryLanguage, Arguments or Assign fields). */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** One AWS Batch job definition the compiled steps need: a distinct (image, compute, retries, timeout) combination. */
export interface JobDefinitionSpec {
  /** `JobDefinition<k>`; the definition refers to it as `${JobDefinition<k>}`. */
  readonly id: string;
  readonly image: string;
  readonly vcpus: number;
  /** MiB. */
  readonly memory: number;
  readonly gpus: number;
  /** Batch-level retries after the first attempt (job definition `retryStrategy.attempts` = retries + 1). */
  readonly retries: number;
  /** Batch `timeout.attemptDurationSeconds`. */
  readonly timeoutSeconds: number;
  /** Whether the steps using it run on a queue whose compute environment has GPUs. */
  readonly gpuQueue: boolean;
}

/** The names of the states that consumers override or watch, per step. */
export interface StateNames {
  /** Step → its lookup Task state (the step name itself). */
  readonly lookup: Readonly<Record<string, string>>;
  /** Step → its Batch Task state (`<s> run`). */
  readonly run: Readonly<Record<string, string>>;
}

/** The compiler's result. */
export interface CompiledPipeline {
  readonly definition: AslDefinition;
  readonly jobDefinitions: readonly JobDefinitionSpec[];
  /** Every `${...}` placeholder name the definition uses, sorted. */
  readonly placeholders: readonly string[];
  readonly stateNames: StateNames;
}

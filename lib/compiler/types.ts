/**
 * What the compiler produces: an Amazon States Language definition with named placeholders, and the
 * table of AWS Batch job definitions its steps refer to.
 *
 * The shapes follow docs/architecture.md ("The compiled state machine"); docs/compiler.md explains them.
 */

/** A Pass state (`Start`, and a finally-only execution's `Cancelled` / `Timed out`); exactly one of Next and End is set. */
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
  /** Reshapes the task's result before ResultPath (the `Stopped run` task only). @default - the whole result */
  readonly ResultSelector?: Readonly<Record<string, unknown>>;
  /** Seconds before the state fails with `States.Timeout` (Batch tasks only). @default - none (lookup tasks) */
  readonly TimeoutSeconds?: number;
  readonly Retry: readonly AslRetrier[];
  /** @default - no catcher (lookup tasks) */
  readonly Catch?: readonly AslCatcher[];
  /** @default - none: the state ends its branch */
  readonly Next?: string;
  /** @default - not set: the state has a Next */
  readonly End?: true;
}

/** A Choice rule: one comparison of a JSONPath variable (the reuse, job-count and condition Choices). */
export interface AslChoiceRule {
  readonly Variable?: string;
  /** @default - another comparison */
  readonly BooleanEquals?: boolean;
  /** @default - another comparison */
  readonly NumericEquals?: number;
  /** @default - another comparison */
  readonly NumericGreaterThanEquals?: number;
  /** @default - a leaf rule */
  readonly Next?: string;
  readonly [comparison: string]: unknown;
}

/** A Choice state: `<s> reused?`, `<s> jobs?` (foreach) or `<s> when?` (condition). */
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
  /** Only `Main`, around the DAG of a pipeline with finally-steps. @default - none */
  readonly Catch?: readonly AslCatcher[];
  /** @default - none: the state ends its branch */
  readonly Next?: string;
  /** @default - not set: the state has a Next */
  readonly End?: true;
}

/** A `Failed <n>` state. */
export interface AslFailState {
  readonly Type: 'Fail';
  /** @default - ErrorPath */
  readonly Error?: string;
  /** The error name at run time (`Run failed` re-raises the caught error). @default - Error */
  readonly ErrorPath?: string;
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
  /** The step container's secrets: variable name → source (Secrets Manager or SSM ARN, or `ssm:<name>`). @default - none */
  readonly secrets?: Readonly<Record<string, string>>;
}

/** The names of the states that consumers override or watch, per step. */
export interface StateNames {
  /** Step → its lookup Task state (the step name itself). */
  readonly lookup: Readonly<Record<string, string>>;
  /** Step → its Batch Task state (`<s> run`). */
  readonly run: Readonly<Record<string, string>>;
  /** Foreach step → its Batch array Task state (`<s> array`). */
  readonly array: Readonly<Record<string, string>>;
  /** Foreach step → its gather Task state (`<s> gather`, the lookup function). */
  readonly gather: Readonly<Record<string, string>>;
}

/** The compiler's result. */
export interface CompiledPipeline {
  readonly definition: AslDefinition;
  readonly jobDefinitions: readonly JobDefinitionSpec[];
  /** Every `${...}` placeholder name the definition uses, sorted. */
  readonly placeholders: readonly string[];
  readonly stateNames: StateNames;
}

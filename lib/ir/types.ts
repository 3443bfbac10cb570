/**
 * The validated intermediate representation (IR) of a pipeline.
 *
 * Both definition forms (the YAML/JSON spec and the TypeScript DSL) produce exactly this, with every
 * default applied and every duration parsed; the compiler, the local engine and the CDK constructs read
 * only this. It is plain JSON-serializable data (no class instances, no functions).
 */

import type { S3Location } from './s3-uri';

/** The type of a pipeline parameter. */
export type ParameterType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

/** A parameter's value as it is passed to steps (typed, never a string for numbers; a `list` is strings). */
export type ParameterValue = string | number | boolean | readonly string[];

/** A declared pipeline parameter. */
export interface ParameterIR {
  readonly type: ParameterType;
  /** @default - none: the parameter is required at run time */
  readonly default?: ParameterValue;
  /** @default - any value of the type */
  readonly enum?: readonly ParameterValue[];
  /** @default - no lower bound */
  readonly minimum?: number;
  /** @default - no upper bound */
  readonly maximum?: number;
  /** @default - none */
  readonly description?: string;
}

/** Where a step input comes from. */
export type InputIR =
  /** An output of another step: `<step>.<output>` in the spec. */
  | { readonly kind: 'step'; readonly step: string; readonly output: string }
  /** A local file or directory; `path` is absolute (resolved against the definition file's folder). */
  | { readonly kind: 'path'; readonly path: string }
  /** An external object or prefix, e.g. `s3://bucket/key`, with its bucket and key parsed. */
  | ({ readonly kind: 'uri'; readonly uri: string } & S3Location);

/** Resources a step asks for, and the queue it runs on. */
export interface ComputeIR {
  /** vCPUs: a positive integer, or 0.25 or 0.5 (a fraction of a CPU, as Fargate sizes have). */
  readonly vcpus: number;
  /** Memory in MiB (a positive integer). */
  readonly memory: number;
  /** GPUs (0 = none). */
  readonly gpus: number;
  /** Name of the queue: `gpu` when gpus > 0 and no queue is named, else `cpu` or the named one. */
  readonly queue: string;
}

/** One step of the pipeline, with defaults applied. */
export interface StepIR {
  /** The step's name (the key under `steps:`). */
  readonly name: string;
  /** @default - none */
  readonly description?: string;
  /** Absolute path of the directory shipped to the step. @default - none: the step runs in an empty directory */
  readonly code?: string;
  /** argv of the step's command (never empty). */
  readonly command: readonly string[];
  /** Container image the step runs in on AWS Batch. */
  readonly image: string;
  /** Environment variables (defaults' env merged with the step's; the step wins). */
  readonly env: Readonly<Record<string, string>>;
  /** Names of variables passed through from the environment the manifest is built in (sorted). @default - none */
  readonly passEnv?: readonly string[];
  /** Secret variable name → its AWS source (Secrets Manager or SSM ARN, or `ssm:<name>`); locally read from the host. @default - none */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Secret variable name → the ARN of the customer-managed KMS key that encrypts it (those declared with one). @default - none */
  readonly secretKeys?: Readonly<Record<string, string>>;
  /** Inputs by name. */
  readonly inputs: Readonly<Record<string, InputIR>>;
  /** Names of the pipeline parameters the step reads (sorted); only these enter its cache key. */
  readonly params: readonly string[];
  /** Names of the outputs the step writes (in declaration order). */
  readonly outputs: readonly string[];
  /** Steps this one must run after without taking data from them (sorted). */
  readonly after: readonly string[];
  readonly compute: ComputeIR;
  /** Batch-level retries after the first attempt (0–9). */
  readonly retries: number;
  /** Time limit of one attempt, in seconds. */
  readonly timeoutSeconds: number;
  /** Whether the step may be reused from the store. */
  readonly cache: boolean;
  /** Salt that forces a new cache key when changed. @default - none */
  readonly cacheVersion?: string;
  /** Runs the step once per item of a list. @default - none: the step runs once */
  readonly foreach?: ForeachIR;
  /** Runs the step only when this condition holds; otherwise it (and what needs its outputs) is skipped. @default - always runs */
  readonly when?: WhenIR;
  /** Metric names the step declares it logs (a condition may read only these). @default - none declared */
  readonly metrics?: readonly string[];
  /**
   * A finally-step (declared under `finally:`): runs once after the others whatever the outcome, never reused,
   * never part of the DAG, never changing the run's status. @default false
   */
  readonly final?: boolean;
}

/** A value a condition reads. */
export type OperandIR =
  | { readonly kind: 'param'; readonly name: string }
  /** The last value a step logged for a metric (a number). */
  | { readonly kind: 'metric'; readonly step: string; readonly metric: string }
  | { readonly kind: 'literal'; readonly value: string | number | boolean };

/** A comparison operator of a condition. */
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A typed condition (the parsed form of `when:`). */
export type ConditionIR =
  | { readonly op: 'and' | 'or'; readonly args: readonly ConditionIR[] }
  | { readonly op: 'not'; readonly arg: ConditionIR }
  /** Both sides have `type` (checked when the definition was validated). */
  | { readonly op: 'cmp'; readonly cmp: ComparisonOp; readonly type: 'number' | 'string' | 'boolean'; readonly left: OperandIR; readonly right: OperandIR };

/** A step's condition: its text as written and its parsed, type-checked form. */
export interface WhenIR {
  readonly text: string;
  readonly condition: ConditionIR;
}

/** Where the items of a `foreach` come from. */
export type ForeachSourceIR =
  /** An upstream output: a JSON array file, or a directory (one item per entry, sorted by name). */
  | { readonly kind: 'step'; readonly step: string; readonly output: string }
  /** A `list` parameter: one item per string. */
  | { readonly kind: 'param'; readonly name: string }
  /** An S3 prefix: one item per entry of the copied prefix, sorted by name. */
  | { readonly kind: 'uri'; readonly uri: string };

/** How many failed items a `foreach` step accepts before it fails. */
export type ToleranceIR =
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'percent'; readonly percent: number };

/** A step that runs once per item (Metaflow's foreach, Azure ML's ParallelRunStep, Flyte's map_task). */
export interface ForeachIR {
  readonly source: ForeachSourceIR;
  /** Items per job (a mini-batch); each item still has its own cache key and record. */
  readonly batch: number;
  /** Failed items accepted; the default `{count: 0}` fails the step on any failed item. */
  readonly tolerate: ToleranceIR;
  /** Most jobs of this step running at once (0 = as many as resources allow). */
  readonly maxConcurrency: number;
}
/** A queue the pipeline's steps may name in `compute.queue`. */
export interface QueueIR {
  readonly name: string;
  /** Whether the queue's compute environment has GPUs. */
  readonly gpu: boolean;
}

/** A schedule that starts the pipeline. */
export interface ScheduleIR {
  readonly name: string;
  /** An EventBridge Scheduler expression: `cron(...)` or `rate(...)`, normalized to that wrapped form. */
  readonly expression: string;
  /** IANA time zone. @default 'UTC' */
  readonly timezone: string;
  /** Every declared parameter's value for the runs it starts: validated, defaults filled in. */
  readonly parameters: Readonly<Record<string, ParameterValue>>;
}

/** A whole validated pipeline. */
export interface PipelineIR {
  /** IR format version. */
  readonly version: 1;
  readonly name: string;
  /** @default - none */
  readonly description?: string;
  readonly parameters: Readonly<Record<string, ParameterIR>>;
  /** Steps by name, in definition order (order never affects the compiled result). */
  readonly steps: Readonly<Record<string, StepIR>>;
  /** Queues known to this pipeline: always `cpu` and `gpu`, plus any declared. */
  readonly queues: Readonly<Record<string, QueueIR>>;
  readonly schedules: Readonly<Record<string, ScheduleIR>>;
  /** Absolute path of the definition file (for messages and relative paths). */
  readonly source: string;
}

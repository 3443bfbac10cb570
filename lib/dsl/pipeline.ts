/**
 * The TypeScript DSL: builds the same plain descriptor as a YAML spec, validated by the same code.
 *
 * Outputs are typed handles, so wiring an output a step does not declare is a compile-time error.
 */
import type { ParameterValue, PipelineIR } from '../ir';
import { validateDefinition } from '../spec';
import { OutputRef, type Input } from './inputs';
import { outputHandles } from './output-handles';
import type { ParamSpec } from './param';

/** Resources and queue of a step. */
export interface ComputeProps<Q extends string> {
  /** Whole vCPUs. @default 1 */
  readonly vcpus?: number;
  /** Memory in MiB. @default 2048 */
  readonly memory?: number;
  /** GPUs. @default 0 */
  readonly gpus?: number;
  /** Queue name: "cpu", "gpu" or a declared one. @default - "gpu" when gpus > 0, else "cpu" */
  readonly queue?: Q;
}

/** Settings every step inherits unless it sets its own. */
export interface DefaultsProps<Q extends string> {
  /** Directory shipped to every step that sets no `code`, relative to the DSL file. @default - none: an empty directory */
  readonly code?: string;
  /** @default 'public.ecr.aws/docker/library/node:22-slim' */
  readonly image?: string;
  /** @default - { vcpus: 1, memory: 2048, gpus: 0 } */
  readonly compute?: ComputeProps<Q>;
  /** Batch retries after the first attempt (0–9). @default 0 */
  readonly retries?: number;
  /** Time limit of one attempt: seconds or a duration such as "30m". @default '1h' */
  readonly timeout?: string | number;
  /** Environment variables. @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Whether steps may be reused from the store. @default true */
  readonly cache?: boolean;
}

/** A declared extra queue. */
export interface QueueProps {
  /** Whether the queue's compute environment has GPUs. @default false */
  readonly gpu?: boolean;
}

/** Options of `pipeline()`. */
export interface PipelineProps<P extends Record<string, ParamSpec>, Q extends string> {
  /** @default - none */
  readonly description?: string;
  /** Run-time parameters, declared with `param.*`. @default - none */
  readonly parameters?: P;
  /** @default - built-in defaults */
  readonly defaults?: DefaultsProps<NoInfer<Q> | 'cpu' | 'gpu'>;
  /** Extra queues besides "cpu" and "gpu". @default - none */
  readonly queues?: { readonly [K in Q]: QueueProps };
}

/** Options of `Pipeline.step()`; `PN` are the declared parameter names, `O` the outputs. */
export interface StepProps<PN extends string, QN extends string, O extends string> {
  /** @default - none */
  readonly description?: string;
  /** Directory shipped to the step, relative to the DSL file. @default - none: an empty directory */
  readonly code?: string;
  /** The command (argv). */
  readonly command: readonly string[];
  /** @default - the pipeline default image */
  readonly image?: string;
  /** @default - none (merged over the pipeline defaults) */
  readonly env?: Readonly<Record<string, string>>;
  /** Inputs by name: `other.outputs.x`, `path('./data')` or `uri('s3://…')`. @default - none */
  readonly inputs?: Readonly<Record<string, Input>>;
  /** Parameters the step reads. @default - none */
  readonly params?: readonly PN[];
  /** Outputs the step writes; each becomes a typed handle on the returned step. @default - none */
  readonly outputs?: readonly O[];
  /** Steps to run after without taking data from them. @default - none */
  readonly after?: readonly (StepHandle<string> | string)[];
  /** @default - the pipeline defaults */
  readonly compute?: ComputeProps<QN>;
  /** @default - the pipeline default, else 0 */
  readonly retries?: number;
  /** @default - the pipeline default, else '1h' */
  readonly timeout?: string | number;
  /** @default true */
  readonly cache?: boolean;
  /** Salt that forces a new cache key when changed. @default - none */
  readonly cacheVersion?: string;
}

/** A step as seen by the steps after it: its name and one typed handle per declared output. */
export interface StepHandle<O extends string> {
  readonly name: string;
  readonly outputs: { readonly [K in O]: OutputRef };
}

/** Options of `Pipeline.schedule()`: exactly one of cron, rate or expression. */
export interface ScheduleProps<PN extends string> {
  /** 6-field EventBridge cron, e.g. "0 3 * * ? *". @default - none */
  readonly cron?: string;
  /** A rate such as "1 day". @default - none */
  readonly rate?: string;
  /** A full "cron(...)" or "rate(...)" expression. @default - none */
  readonly expression?: string;
  /** IANA time zone. @default 'UTC' */
  readonly timezone?: string;
  /** Parameter values for the runs it starts. @default - none */
  readonly parameters?: { readonly [K in PN]?: ParameterValue };
  /** @default - none */
  readonly description?: string;
}

/** The plain descriptor a DSL pipeline produces: the same shape as a parsed YAML spec. */
export type PipelineDescriptor = Record<string, unknown>;

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A pipeline being defined with the DSL; export it as the module's default. */
export class Pipeline<PN extends string, QN extends string> {
  private readonly steps: Record<string, Record<string, unknown>> = {};
  private readonly schedules: Record<string, Record<string, unknown>> = {};

  constructor(
    public readonly name: string,
    private readonly props: PipelineProps<Record<string, ParamSpec>, string> = {},
  ) {}

  /** Adds a step and returns its handle, whose `outputs` has one typed reference per declared output. */
  public step<const O extends string = never>(name: string, props: StepProps<PN, QN, O>): StepHandle<O> {
    if (Object.prototype.hasOwnProperty.call(this.steps, name)) {
      throw new Error(`pipeline "${this.name}": step "${name}" is defined twice; give each step a unique name`);
    }
    const inputs = props.inputs
      ? Object.fromEntries(
          Object.entries(props.inputs).map(([k, v]) => [k, v instanceof OutputRef ? v.toString() : v]),
        )
      : undefined;
    this.steps[name] = compact({
      description: props.description,
      code: props.code,
      command: props.command,
      image: props.image,
      env: props.env,
      inputs,
      params: props.params,
      outputs: props.outputs,
      after: props.after?.map((a) => (typeof a === 'string' ? a : a.name)),
      compute: props.compute,
      retries: props.retries,
      timeout: props.timeout,
      cache: props.cache,
      cacheVersion: props.cacheVersion,
    });
    return { name, outputs: outputHandles(name, props.outputs ?? []) };
  }

  /** Adds an EventBridge Scheduler schedule that starts the pipeline. */
  public schedule(name: string, props: ScheduleProps<PN>): this {
    if (Object.prototype.hasOwnProperty.call(this.schedules, name)) {
      throw new Error(`pipeline "${this.name}": schedule "${name}" is defined twice; give each schedule a unique name`);
    }
    this.schedules[name] = compact({ ...props });
    return this;
  }

  /** The plain definition object, identical in shape to a parsed YAML/JSON spec. */
  public toDescriptor(): PipelineDescriptor {
    const p = this.props;
    return compact({
      name: this.name,
      description: p.description,
      parameters: p.parameters,
      defaults: p.defaults,
      queues: p.queues,
      steps: { ...this.steps },
      schedules: Object.keys(this.schedules).length > 0 ? { ...this.schedules } : undefined,
    });
  }

  /**
   * Validates the pipeline and returns its IR; relative paths resolve against `source`'s folder.
   *
   * @param source absolute path of the DSL file (usually `fileURLToPath(import.meta.url)`)
   * @throws DefinitionError listing every problem
   */
  public toIR(source: string): PipelineIR {
    return validateDefinition(this.toDescriptor(), { file: source, source });
  }
}

/** Starts a pipeline definition; declare parameters with `param.*` and add steps with `.step()`. */
export function pipeline<const P extends Record<string, ParamSpec> = Record<never, ParamSpec>, Q extends string = never>(
  name: string,
  props: PipelineProps<P, Q> = {},
): Pipeline<keyof P & string, Q | 'cpu' | 'gpu'> {
  return new Pipeline(name, props as PipelineProps<Record<string, ParamSpec>, string>);
}

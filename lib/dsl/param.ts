/**
 * Parameter declarations for the DSL: `param.number({ default: 0.5, minimum: 0 })`.
 */
import type { ParameterType } from '../ir';

/** Options every parameter type accepts. */
export interface ParamOptions<T> {
  /** Value used when a run does not give one. @default - none: the parameter is required at run time */
  readonly default?: T;
  /** The only allowed values. @default - any value of the type */
  readonly enum?: readonly T[];
  /** What the parameter means. @default - none */
  readonly description?: string;
}

/** Options of number and integer parameters. */
export interface NumericParamOptions extends ParamOptions<number> {
  /** Smallest allowed value. @default - no lower bound */
  readonly minimum?: number;
  /** Largest allowed value. @default - no upper bound */
  readonly maximum?: number;
}

/** A parameter declaration: the same plain object as under `parameters:` in the spec. */
export interface ParamSpec<T extends ParameterType = ParameterType> {
  readonly type: T;
  readonly default?: string | number | boolean;
  readonly enum?: readonly (string | number | boolean)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly description?: string;
}

function declare<T extends ParameterType>(type: T, opts: object): ParamSpec<T> {
  const out: Record<string, unknown> = { type };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as unknown as ParamSpec<T>;
}

/** Factories for parameter declarations, one per type. */
export const param = {
  /** A string parameter. */
  string: (opts: ParamOptions<string> = {}): ParamSpec<'string'> => declare('string', opts),
  /** A number parameter (any finite number). */
  number: (opts: NumericParamOptions = {}): ParamSpec<'number'> => declare('number', opts),
  /** A whole-number parameter. */
  integer: (opts: NumericParamOptions = {}): ParamSpec<'integer'> => declare('integer', opts),
  /** A boolean parameter (`true`/`false` on the command line). */
  boolean: (opts: ParamOptions<boolean> = {}): ParamSpec<'boolean'> => declare('boolean', opts),
} as const;

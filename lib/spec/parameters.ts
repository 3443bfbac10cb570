/**
 * Run-time parameter values: checked against their declarations, parsed from CLI strings, defaults filled.
 *
 * Used by validation (defaults and schedules), the local engine, the trigger API and schedules.
 */
import { UsageError } from '../errors';
import type { ParameterIR, ParameterType, ParameterValue, PipelineIR } from '../ir';
import { describeValue } from './structure';
import { didYouMean } from './suggest';

const TYPE_WORDS: Record<ParameterType, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  list: 'a list of strings',
};

/** Whether `value` has the parameter's type (numbers must be finite, integers whole). */
export function hasParameterType(type: ParameterType, value: unknown): value is ParameterValue {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

/** Why `value` does not satisfy the declaration (type, enum, range), or undefined when it does. */
export function parameterValueProblem(decl: ParameterIR, value: unknown): string | undefined {
  if (!hasParameterType(decl.type, value)) {
    return `expected ${TYPE_WORDS[decl.type]} (type ${decl.type}); received ${describeValue(value)}`;
  }
  if (decl.enum && !Array.isArray(value) && !decl.enum.includes(value)) {
    return `expected one of ${decl.enum.map((v) => JSON.stringify(v)).join(', ')}; received ${JSON.stringify(value)}`;
  }
  if (typeof value === 'number') {
    if (decl.minimum !== undefined && value < decl.minimum) {
      return `expected a value >= ${decl.minimum} (its minimum); received ${value}`;
    }
    if (decl.maximum !== undefined && value > decl.maximum) {
      return `expected a value <= ${decl.maximum} (its maximum); received ${value}`;
    }
  }
  return undefined;
}

/** Parses a command-line string by the declared type; a problem string when it cannot be parsed. */
export function parseParameterString(decl: ParameterIR, text: string): { value: ParameterValue } | { problem: string } {
  const t = text.trim();
  switch (decl.type) {
    case 'string':
      return { value: text };
    case 'list': {
      // A JSON array of strings, or comma-separated items (`a,b,c`); an empty string is the empty list.
      if (t.startsWith('[')) {
        try {
          const v: unknown = JSON.parse(t);
          if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { value: v as string[] };
        } catch {
          // reported below
        }
        return { problem: `expected a JSON array of strings or comma-separated items (type list); received ${JSON.stringify(text)}` };
      }
      return { value: t === '' ? [] : t.split(',').map((x) => x.trim()) };
    }
    case 'boolean':
      if (t === 'true' || t === 'false') return { value: t === 'true' };
      return { problem: `expected true or false (type boolean); received ${JSON.stringify(text)}` };
    case 'integer':
      if (/^[+-]?\d+$/.test(t) && Number.isSafeInteger(Number(t))) return { value: Number(t) };
      return { problem: `expected a whole number (type integer); received ${JSON.stringify(text)}` };
    case 'number': {
      const n = Number(t);
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && Number.isFinite(n)) return { value: n };
      return { problem: `expected a number (type number); received ${JSON.stringify(text)}` };
    }
  }
}

/** Options for `resolveParameters`. */
declare const resolved: unique symbol;

/**
 * Every declared parameter with a checked, typed value, defaults filled in: what `resolveParameters`
 * returns, and what the engine and the trigger API take (so nothing downstream resolves them again).
 */
export type ResolvedParameters = Readonly<Record<string, ParameterValue>> & { readonly [resolved]: true };

export interface ResolveParametersOptions {
  /** Parse string values by their declared type (as given by `--param name=value`). @default false */
  readonly fromStrings?: boolean;
}

function example(name: string, decl: ParameterIR): string {
  const v = decl.default ?? decl.enum?.[0] ?? { string: 'text', number: 0.5, integer: 1, boolean: true, list: ['a', 'b'] }[decl.type];
  return `${name}=${Array.isArray(v) ? v.join(',') : String(v)}`;
}

/**
 * Checks given parameter values against the pipeline's declarations and fills in defaults.
 *
 * Returns every declared parameter with a value, in declaration order; throws a `UsageError` listing
 * every problem (unknown name, wrong type, not in the enum, out of range, required but missing).
 */
export function resolveParameters(
  ir: PipelineIR,
  given: Readonly<Record<string, unknown>>,
  opts: ResolveParametersOptions = {},
): ResolvedParameters {
  const problems: string[] = [];
  const declared = Object.keys(ir.parameters);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(ir.parameters, name)) {
      const list = declared.length > 0 ? `declared parameters: ${declared.join(', ')}` : 'the pipeline declares no parameters';
      problems.push(`unknown parameter "${name}" for pipeline "${ir.name}".${didYouMean(name, declared)} (${list}); remove it`);
    }
  }
  const out: Record<string, ParameterValue> = {};
  for (const [name, decl] of Object.entries(ir.parameters)) {
    let value = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : undefined;
    if (value === undefined) {
      if (decl.default === undefined) {
        problems.push(`parameter "${name}" is required (it has no default); give it, e.g. ${example(name, decl)}`);
      } else {
        out[name] = decl.default;
      }
      continue;
    }
    if (opts.fromStrings && typeof value === 'string') {
      const parsed = parseParameterString(decl, value);
      if ('problem' in parsed) {
        problems.push(`parameter "${name}": ${parsed.problem}; e.g. ${example(name, decl)}`);
        continue;
      }
      value = parsed.value;
    }
    const problem = parameterValueProblem(decl, value);
    if (problem) {
      problems.push(`parameter "${name}": ${problem}; e.g. ${example(name, decl)}`);
      continue;
    }
    out[name] = value as ParameterValue;
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'), problems);
  return out as Record<string, ParameterValue> as ResolvedParameters;
}

/** A JSON Schema (draft-07) object describing the pipeline's parameters, e.g. for `GET /pipelines`. */
export function parameterJsonSchema(ir: PipelineIR): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, decl] of Object.entries(ir.parameters)) {
    const prop: Record<string, unknown> = decl.type === 'list' ? { type: 'array', items: { type: 'string' } } : { type: decl.type };
    if (decl.description !== undefined) prop.description = decl.description;
    if (decl.default !== undefined) prop.default = decl.default;
    else required.push(name);
    if (decl.enum !== undefined) prop.enum = [...decl.enum];
    if (decl.minimum !== undefined) prop.minimum = decl.minimum;
    if (decl.maximum !== undefined) prop.maximum = decl.maximum;
    properties[name] = prop;
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

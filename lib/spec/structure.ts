/**
 * Checks plain data against a `Field` description: types, required keys, unknown keys, names.
 *
 * Returns a cleaned copy (durations parsed to seconds, `text` values as strings) without the parts
 * that are wrong, so the cross-reference checks that follow never trip over a wrong type twice.
 */
import { DURATION_SYNTAX, MIN_TIMEOUT_SECONDS, parseDuration } from './duration';
import type { Field } from './field-description';
import { ENV_NAME_PATTERN, RESERVED_ENV_PREFIX, envSuffix, envSuffixClashes, nameProblem } from './names';
import { joinPath } from './path';
import { didYouMean } from './suggest';

/** Marks a value that failed its check (it is left out of the cleaned copy). */
export const INVALID: unique symbol = Symbol('invalid');

/** Receives one problem at a dotted path. */
export type Report = (path: string, message: string) => void;

/** Describes a received value for messages: `the string "x"`, `the number 3`, `a list`, ... */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'no value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}

/** What a field expects, in words. */
export function expectedOf(field: Field): string {
  switch (field.kind) {
    case 'string':
      return field.expected ?? 'a string';
    case 'integer':
      if (field.minimum !== undefined && field.maximum !== undefined) {
        return `a whole number from ${field.minimum} to ${field.maximum}`;
      }
      if (field.minimum === 1) return 'a positive whole number';
      if (field.minimum === 0) return 'a whole number >= 0';
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'scalar':
      return 'a string, number or boolean';
    case 'text':
      return 'a string';
    case 'duration':
      return `${DURATION_SYNTAX}, at least ${MIN_TIMEOUT_SECONDS}s`;
    case 'literal':
      return JSON.stringify(field.value);
    case 'object':
      return 'a mapping';
    case 'map':
      return `a mapping of ${field.what} names to values`;
    case 'list':
      return `a list${field.minItems ? ' (not empty)' : ''}`;
    case 'union':
      return field.expected;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks `value` against `field`, reporting every problem; returns the cleaned value or INVALID. */
export function checkStructure(value: unknown, field: Field, path: string, report: Report): unknown {
  const wrongType = (): typeof INVALID => {
    const fix = field.example ? `; write e.g. ${field.example}` : '';
    report(path, `expected ${expectedOf(field)}; received ${describeValue(value)}${fix}`);
    return INVALID;
  };
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string' || value.length === 0) return wrongType();
      if (field.pattern && !field.pattern.test(value)) return wrongType();
      if (field.values && !field.values.includes(value)) {
        const dym = didYouMean(value, field.values);
        report(path, `expected one of ${field.values.join(', ')}; received ${describeValue(value)}${dym ? `.${dym}` : ''}`);
        return INVALID;
      }
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType();
      if (field.minimum !== undefined && value < field.minimum) return wrongType();
      if (field.maximum !== undefined && value > field.maximum) return wrongType();
      return value;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : wrongType();
    case 'boolean':
      return typeof value === 'boolean' ? value : wrongType();
    case 'scalar':
      return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
        ? value
        : wrongType();
    case 'text':
      return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
        ? String(value)
        : wrongType();
    case 'literal':
      return value === field.value ? value : wrongType();
    case 'duration': {
      const seconds = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
      if (seconds === undefined) return wrongType();
      if (seconds < MIN_TIMEOUT_SECONDS) {
        report(
          path,
          `timeout ${JSON.stringify(value)} is ${seconds}s; AWS Batch needs at least ${MIN_TIMEOUT_SECONDS}s; write e.g. "1m" or a longer duration`,
        );
        return INVALID;
      }
      return seconds;
    }
    case 'object': {
      if (!isPlainObject(value)) return wrongType();
      const out: Record<string, unknown> = {};
      const allowed = Object.keys(field.fields);
      for (const [key, v] of Object.entries(value)) {
        const sub = field.fields[key];
        const keyPath = joinPath(path, key);
        if (!sub) {
          report(
            keyPath,
            `unknown key "${key}".${didYouMean(key, allowed)} Allowed keys here: ${allowed.join(', ')}; remove or rename it`,
          );
          continue;
        }
        const cleaned = checkStructure(v, sub, keyPath, report);
        if (cleaned !== INVALID) setOwn(out, key, cleaned);
      }
      for (const key of field.required ?? []) {
        if (!Object.hasOwn(value, key)) {
          const sub = field.fields[key];
          const fix = sub.example ? `add e.g. ${sub.example}` : `add "${key}"`;
          report(joinPath(path, key), `missing required key "${key}" (${sub.doc}); ${fix}`);
        }
      }
      return out;
    }
    case 'map': {
      if (!isPlainObject(value)) return wrongType();
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const keyPath = joinPath(path, key);
        const keyProblem = field.keys === 'name' ? nameProblem(key, field.what) : envNameProblem(key);
        if (keyProblem) report(keyPath, keyProblem);
        // The value of a badly named entry is still checked, so one run reports everything.
        const cleaned = checkStructure(v, field.values, keyPath, report);
        if (cleaned !== INVALID && !keyProblem) setOwn(out, key, cleaned);
      }
      if (field.keys === 'name') {
        for (const { name, clashesWith } of envSuffixClashes(Object.keys(out))) {
          report(
            joinPath(path, name),
            `${field.what} names "${clashesWith}" and "${name}" both become the environment-variable suffix ${envSuffix(name)}; rename one of them`,
          );
        }
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) return wrongType();
      if (field.minItems !== undefined && value.length < field.minItems) {
        report(path, `expected ${expectedOf(field)}; received an empty list${field.example ? `; write e.g. ${field.example}` : ''}`);
        return INVALID;
      }
      const out: unknown[] = [];
      let ok = true;
      const seen = new Map<unknown, number>();
      value.forEach((item, i) => {
        const cleaned = checkStructure(item, field.items, joinPath(path, i), report);
        if (cleaned === INVALID) {
          ok = false;
          return;
        }
        if (field.unique) {
          const first = seen.get(cleaned);
          if (first !== undefined) {
            report(joinPath(path, i), `duplicate ${JSON.stringify(cleaned)} (already at ${joinPath(path, first)}); remove one`);
            return;
          }
          seen.set(cleaned, i);
        }
        out.push(cleaned);
      });
      return ok ? out : INVALID;
    }
    case 'union': {
      const i = field.pick(value);
      if (i === undefined) return wrongType();
      return checkStructure(value, field.variants[i], path, report);
    }
  }
}

/** Sets an own property, even one named `__proto__` (which plain assignment would turn into a prototype change). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function envNameProblem(key: string): string | undefined {
  if (!ENV_NAME_PATTERN.test(key)) {
    return `invalid environment variable name "${key}": expected letters, digits and "_", not starting with a digit (e.g. LOG_LEVEL)`;
  }
  if (key.startsWith(RESERVED_ENV_PREFIX)) {
    return `environment variable "${key}" uses the prefix ${RESERVED_ENV_PREFIX}, which Pipewright reserves for the variables it sets (PW_INPUT_*, PW_PARAMS, ...); rename it`;
  }
  return undefined;
}

/**
 * The `foreach` keys of a step (`foreach`, `batch`, `tolerate`, `maxConcurrency`): cross-checks and their IR.
 */
import type { ForeachIR, ForeachSourceIR } from '../ir';
import { joinPath } from './path';
import { FOREACH_PATTERN } from './field-table';
import { didYouMean } from './suggest';

/** The output every foreach step has besides its own: a JSON list of its items and their status. */
export const ITEMS_OUTPUT = 'items';

/** The `foreach` keys of a step after the structural check. */
export interface ForeachSpec {
  foreach?: string;
  batch?: number;
  tolerate?: { count?: number; percent?: number };
  maxConcurrency?: number;
  outputs?: string[];
}

/** What the cross-checks need to know about the rest of the definition. */
export interface ForeachContext {
  /** Steps present in the definition (including ones dropped for a bad name). */
  readonly steps: ReadonlySet<string>;
  /** Declared outputs of each valid step (undefined: unknown, already reported). */
  readonly outputsOf: (step: string) => readonly string[] | undefined;
  /** Declared parameter types (undefined: the parameters block is invalid, already reported). */
  readonly paramTypes: Readonly<Record<string, string | undefined>> | undefined;
}

/** Parses a foreach source string (already matching FOREACH_PATTERN). */
export function parseForeachSource(text: string): ForeachSourceIR {
  if (text.startsWith('s3://')) return { kind: 'uri', uri: text };
  const m = FOREACH_PATTERN.exec(text)!;
  const [, , step, output] = m;
  return step === 'params' ? { kind: 'param', name: output } : { kind: 'step', step, output };
}

/** Reports every problem of a step's foreach keys at `base` (`steps.<name>`). */
export function checkForeach(name: string, s: ForeachSpec, raw: Record<string, unknown>, ctx: ForeachContext, base: string, report: (path: string, message: string) => void): void {
  const at = (k: string): string => joinPath(base, k);
  if (raw.foreach === undefined) {
    for (const k of ['batch', 'tolerate', 'maxConcurrency'] as const) {
      if (raw[k] !== undefined) {
        report(at(k), `"${k}" applies only to a foreach step; add e.g. foreach: <step>.<output> or remove "${k}"`);
      }
    }
    return;
  }
  if (s.tolerate?.percent !== undefined && (s.tolerate.percent < 0 || s.tolerate.percent > 100)) {
    report(joinPath(at('tolerate'), 'percent'), `expected a percentage from 0 to 100; received ${s.tolerate.percent}; write e.g. tolerate: { percent: 5 }`);
  }
  (s.outputs ?? []).forEach((o, i) => {
    if (o === ITEMS_OUTPUT) {
      report(
        joinPath(at('outputs'), i),
        `output "${ITEMS_OUTPUT}" is reserved on a foreach step (it lists the items and which failed); rename the output`,
      );
    }
  });
  if (s.foreach === undefined) return;
  const source = parseForeachSource(s.foreach);
  if (source.kind === 'param') {
    const types = ctx.paramTypes;
    if (types === undefined) return;
    const declared = Object.keys(types);
    if (!(source.name in types)) {
      report(
        at('foreach'),
        `unknown parameter "${source.name}".${didYouMean(source.name, declared)} Declared: ${declared.join(', ') || '(none)'}; ` +
          `declare it, e.g. parameters: { ${source.name}: { type: list, default: [a, b] } }`,
      );
    } else if (types[source.name] !== undefined && types[source.name] !== 'list') {
      report(
        at('foreach'),
        `parameter "${source.name}" has type ${types[source.name]}, but foreach needs a list; declare it with type: list (items given as a JSON array or comma-separated)`,
      );
    }
  } else if (source.kind === 'step') {
    const steps = [...ctx.steps];
    if (source.step === name) {
      report(at('foreach'), `step "${name}" cannot iterate over its own output (self-dependency); iterate over another step's output`);
    } else if (!ctx.steps.has(source.step)) {
      report(
        at('foreach'),
        `"${s.foreach}" refers to an unknown step "${source.step}".${didYouMean(source.step, steps)} Steps: ${steps.join(', ')}; ` +
          'write "<step>.<output>", "params.<list parameter>" or an s3:// prefix',
      );
    } else {
      const outs = ctx.outputsOf(source.step);
      if (outs !== undefined && !outs.includes(source.output)) {
        report(
          at('foreach'),
          `step "${source.step}" has no output "${source.output}" (${outs.length ? `its outputs are: ${outs.join(', ')}` : 'it declares no outputs'}).` +
            `${didYouMean(source.output, outs)} Fix the reference or add "${source.output}" to steps.${source.step}.outputs`,
        );
      }
    }
  }
}

/** The IR of a checked step's foreach keys (undefined when the step has none). */
export function buildForeach(s: ForeachSpec): ForeachIR | undefined {
  if (s.foreach === undefined) return undefined;
  return {
    source: parseForeachSource(s.foreach),
    batch: s.batch ?? 1,
    tolerate: s.tolerate?.percent !== undefined ? { kind: 'percent', percent: s.tolerate.percent } : { kind: 'count', count: s.tolerate?.count ?? 0 },
    maxConcurrency: s.maxConcurrency ?? 0,
  };
}

/** The upstream step a foreach reads its items from, if any. */
export function foreachUpstream(foreach: string | undefined): string | undefined {
  if (foreach === undefined) return undefined;
  const source = parseForeachSource(foreach);
  return source.kind === 'step' ? source.step : undefined;
}

/**
 * Reading a parsed condition: the steps and values it refers to, in a fixed order.
 */
import type { ConditionIR, OperandIR } from './types';

/** Every operand of a condition, left to right. */
export function operandsOf(c: ConditionIR): OperandIR[] {
  switch (c.op) {
    case 'and':
    case 'or':
      return c.args.flatMap(operandsOf);
    case 'not':
      return operandsOf(c.arg);
    case 'cmp':
      return [c.left, c.right];
  }
}

/** The distinct metrics a condition reads, as `<step>.<metric>`, in first-use order (their index is their place in the state). */
export function conditionMetrics(c: ConditionIR): Array<{ step: string; metric: string }> {
  const seen = new Map<string, { step: string; metric: string }>();
  for (const o of operandsOf(c)) if (o.kind === 'metric') seen.set(`${o.step}.${o.metric}`, { step: o.step, metric: o.metric });
  return [...seen.values()];
}

/** The steps whose metrics a condition reads, sorted. */
export function conditionSteps(c: ConditionIR): string[] {
  return [...new Set(conditionMetrics(c).map((m) => m.step))].sort();
}

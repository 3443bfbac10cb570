/**
 * Evaluates a step's condition at run time, with the same meaning as the Choice state compiled from it.
 */
import type { ConditionIR, OperandIR, ParameterValue } from '../ir';

/** The values a condition reads: parameters by name, metrics by `<step>.<metric>`. */
export interface ConditionValues {
  readonly params: Readonly<Record<string, ParameterValue>>;
  readonly metrics: Readonly<Record<string, number>>;
}

function valueOf(o: OperandIR, v: ConditionValues): unknown {
  switch (o.kind) {
    case 'literal':
      return o.value;
    case 'param':
      return v.params[o.name];
    case 'metric':
      return v.metrics[`${o.step}.${o.metric}`];
  }
}

/** Whether the condition holds. */
export function evaluateCondition(c: ConditionIR, v: ConditionValues): boolean {
  switch (c.op) {
    case 'and':
      return c.args.every((a) => evaluateCondition(a, v));
    case 'or':
      return c.args.some((a) => evaluateCondition(a, v));
    case 'not':
      return !evaluateCondition(c.arg, v);
    case 'cmp': {
      const l = valueOf(c.left, v) as number | string | boolean;
      const r = valueOf(c.right, v) as number | string | boolean;
      switch (c.cmp) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
      }
    }
  }
}

/**
 * A step's condition as a Choice rule: parameters are read at `$.p.<name>`, the metrics the lookup task
 * returned at `$.c.v[<i>]` (in the order `conditionMetrics` gives), literals inline.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
 */
import { conditionMetrics } from '../ir';
import { ASL_PATHS } from '../protocol';
import type { ComparisonOp, ConditionIR, OperandIR } from '../ir';

/** A Choice rule without its `Next` (nested rules have none). */
export type ChoiceRule = Readonly<Record<string, unknown>>;

const TYPE_WORD = { number: 'Numeric', string: 'String', boolean: 'Boolean' } as const;
const OP_WORD: Record<Exclude<ComparisonOp, '!='>, string> = {
  '==': 'Equals',
  '<': 'LessThan',
  '<=': 'LessThanEquals',
  '>': 'GreaterThan',
  '>=': 'GreaterThanEquals',
};

/** The JSONPath of an operand in the state (not for literals). */
function pathOf(o: OperandIR, metricIndex: ReadonlyMap<string, number>): string {
  if (o.kind === 'param') return `${ASL_PATHS.parameters}.${o.name}`;
  if (o.kind === 'metric') return `${ASL_PATHS.conditionValues}[${metricIndex.get(`${o.step}.${o.metric}`)}]`;
  throw new Error('a literal has no path');
}

/** The Choice rule of a condition. */
export function choiceRule(c: ConditionIR): ChoiceRule {
  const index = new Map(conditionMetrics(c).map((m, i) => [`${m.step}.${m.metric}`, i]));
  const rule = (x: ConditionIR): ChoiceRule => {
    switch (x.op) {
      case 'and':
        return { And: x.args.map(rule) };
      case 'or':
        return { Or: x.args.map(rule) };
      case 'not':
        return { Not: rule(x.arg) };
      case 'cmp': {
        if (x.cmp === '!=') return { Not: rule({ ...x, cmp: '==' }) };
        const name = `${TYPE_WORD[x.type]}${OP_WORD[x.cmp]}`;
        const right = x.right.kind === 'literal' ? { [name]: x.right.value } : { [`${name}Path`]: pathOf(x.right, index) };
        return { Variable: pathOf(x.left, index), ...right };
      }
    }
  };
  return rule(c);
}

/**
 * `when:` conditions: a small typed expression over parameters and upstream metrics, parsed and checked once.
 *
 * Grammar (`and` binds tighter than `or`; `&&`, `||`, `!` are accepted too):
 * ```
 * expr    := or
 * or      := and ('or' and)*
 * and     := unary ('and' unary)*
 * unary   := 'not' unary | '(' expr ')' | compare
 * compare := operand (('==' | '!=' | '<' | '<=' | '>' | '>=') operand)?   // alone: a boolean
 * operand := params.<name> | <step>.metrics.<name> | number | 'string' | "string" | true | false
 * ```
 */
import type { ComparisonOp, ConditionIR, OperandIR } from '../ir';
import { didYouMean } from './suggest';

/** What the checker knows about names. */
export interface ConditionScope {
  /** Declared parameter types. */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** Steps present, and the metric names each declares (undefined: the step's metrics are invalid, already reported). */
  readonly metrics: (step: string) => readonly string[] | undefined;
  readonly steps: readonly string[];
  /** The step that has the condition (it cannot read its own metrics). */
  readonly self: string;
}

/** A parse or type problem, with the offending part of the text. */
export class ConditionProblem extends Error {}

type Token = { readonly kind: 'op' | 'word' | 'number' | 'string'; readonly text: string; readonly at: number };
type Typed = { readonly operand: OperandIR; readonly type: string; readonly text: string };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '(', ')', '!'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, at: i });
      i += op.length;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ConditionProblem(`unterminated string starting at column ${i + 1}; close it with ${c}`);
      out.push({ kind: 'string', text: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[-0-9.]/.test(c)) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) throw new ConditionProblem(`unexpected "${c}" at column ${i + 1}`);
      out.push({ kind: 'number', text: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i))!;
      out.push({ kind: 'word', text: m[0], at: i });
      i += m[0].length;
    } else {
      throw new ConditionProblem(`unexpected "${c}" at column ${i + 1}; expected a name, a number, a quoted string or an operator`);
    }
  }
  return out;
}

const FLIP: Record<ComparisonOp, ComparisonOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** Parses and type-checks a condition; throws ConditionProblem naming what is wrong and the fix. */
export function parseCondition(text: string, scope: ConditionScope): ConditionIR {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, w: string): boolean => t?.kind === 'word' && t.text === w;
  const isOp = (t: Token | undefined, o: string): boolean => t?.kind === 'op' && t.text === o;

  const operand = (): Typed => {
    const t = tokens[pos++];
    if (!t) throw new ConditionProblem('the condition ends too early; expected a value such as params.<name> or <step>.metrics.<name>');
    if (t.kind === 'number') return { operand: { kind: 'literal', value: Number(t.text) }, type: 'number', text: t.text };
    if (t.kind === 'string') return { operand: { kind: 'literal', value: t.text }, type: 'string', text: JSON.stringify(t.text) };
    if (t.kind === 'word' && (t.text === 'true' || t.text === 'false')) {
      return { operand: { kind: 'literal', value: t.text === 'true' }, type: 'boolean', text: t.text };
    }
    if (t.kind !== 'word') throw new ConditionProblem(`unexpected "${t.text}" at column ${t.at + 1}; expected a value`);
    const parts = t.text.split('.');
    if (parts[0] === 'params') {
      if (parts.length !== 2) throw new ConditionProblem(`"${t.text}": a parameter is written params.<name>`);
      const name = parts[1];
      const declared = Object.keys(scope.params);
      if (!(name in scope.params)) {
        throw new ConditionProblem(`unknown parameter "${name}".${didYouMean(name, declared)} Declared: ${declared.join(', ') || '(none)'}; declare it under "parameters" or fix the name`);
      }
      const type = scope.params[name];
      const t2 = type === 'integer' ? 'number' : (type ?? 'unknown');
      if (t2 === 'list') throw new ConditionProblem(`parameter "${name}" is a list, which a condition cannot compare; compare a string, number or boolean`);
      return { operand: { kind: 'param', name }, type: t2, text: t.text };
    }
    if (parts.length === 3 && parts[1] === 'metrics') {
      const [step, , metric] = parts;
      if (step === scope.self) throw new ConditionProblem(`"${t.text}": a step's condition cannot read its own metrics (they do not exist before it runs); read an upstream step's`);
      if (!scope.steps.includes(step)) {
        throw new ConditionProblem(`unknown step "${step}" in "${t.text}".${didYouMean(step, scope.steps)} Steps: ${scope.steps.join(', ')}`);
      }
      const declared = scope.metrics(step);
      if (declared !== undefined && !declared.includes(metric)) {
        throw new ConditionProblem(
          declared.length === 0
            ? `step "${step}" declares no metrics, so "${t.text}" cannot be checked; declare the metrics it logs, e.g. steps.${step}.metrics: [${metric}]`
            : `step "${step}" declares no metric "${metric}" (it declares: ${declared.join(', ')}).${didYouMean(metric, declared)} Fix the name or add it to steps.${step}.metrics`,
        );
      }
      return { operand: { kind: 'metric', step, metric }, type: 'number', text: t.text };
    }
    throw new ConditionProblem(`"${t.text}" is not a value; write params.<name>, <step>.metrics.<name>, a number, a quoted string, true or false`);
  };

  const compare = (): ConditionIR => {
    const left = operand();
    const t = peek();
    const cmp = t?.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text) ? (t.text as ComparisonOp) : undefined;
    if (!cmp) {
      if (left.type !== 'boolean') {
        throw new ConditionProblem(`${left.text} is a ${left.type}, not a condition; compare it, e.g. ${left.text} >= 0.9`);
      }
      return check(left, '==', { operand: { kind: 'literal', value: true }, type: 'boolean', text: 'true' });
    }
    pos++;
    return check(left, cmp, operand());
  };

  const check = (left: Typed, cmp: ComparisonOp, right: Typed): ConditionIR => {
    if (left.type !== right.type) {
      throw new ConditionProblem(`${left.text} ${cmp} ${right.text} compares a ${left.type} with a ${right.type}; compare values of one type`);
    }
    if (left.type !== 'number' && cmp !== '==' && cmp !== '!=') {
      throw new ConditionProblem(`${left.text} ${cmp} ${right.text}: ${left.type}s can only be compared with == or !=`);
    }
    if (left.operand.kind === 'literal' && right.operand.kind === 'literal') {
      throw new ConditionProblem(`${left.text} ${cmp} ${right.text} compares two constants; compare a parameter or metric`);
    }
    const type = left.type as 'number' | 'string' | 'boolean';
    // The literal goes right (a Choice rule's Variable must be a path).
    return left.operand.kind === 'literal'
      ? { op: 'cmp', cmp: FLIP[cmp], type, left: right.operand, right: left.operand }
      : { op: 'cmp', cmp, type, left: left.operand, right: right.operand };
  };

  const unary = (): ConditionIR => {
    const t = peek();
    if (isWord(t, 'not') || isOp(t, '!')) {
      pos++;
      return { op: 'not', arg: unary() };
    }
    if (isOp(t, '(')) {
      pos++;
      const inner = or();
      if (!isOp(peek(), ')')) throw new ConditionProblem(`missing ")" for the "(" at column ${t!.at + 1}`);
      pos++;
      return inner;
    }
    return compare();
  };
  const chain = (op: 'and' | 'or', alt: string, next: () => ConditionIR) => (): ConditionIR => {
    const args = [next()];
    while (isWord(peek(), op) || isOp(peek(), alt)) {
      pos++;
      args.push(next());
    }
    return args.length === 1 ? args[0] : { op, args };
  };
  const and = chain('and', '&&', unary);
  const or = chain('or', '||', and);

  if (tokens.length === 0) throw new ConditionProblem('the condition is empty; write e.g. evaluate.metrics.accuracy >= params.min_accuracy');
  const result = or();
  const rest = peek();
  if (rest) throw new ConditionProblem(`unexpected "${rest.text}" at column ${rest.at + 1}; join conditions with "and" or "or"`);
  return result;
}

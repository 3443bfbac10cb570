/**
 * EventBridge Scheduler expressions: 6-field `cron(...)` and `rate(...)`.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
import { cronProblem } from './cron-fields';
import { rateProblem } from './rate';

/** A schedule as written: exactly one of `cron`, `rate` or `expression`. */
export interface ScheduleExpressionInput {
  readonly cron?: string;
  readonly rate?: string;
  readonly expression?: string;
}

/** The normalized `cron(...)`/`rate(...)` expression, or a problem with the key it concerns. */
export function normalizeScheduleExpression(
  s: ScheduleExpressionInput,
): { readonly expression: string } | { readonly key: string; readonly problem: string } {
  const given = (['cron', 'rate', 'expression'] as const).filter((k) => s[k] !== undefined);
  if (given.length !== 1) {
    return {
      key: given[1] ?? '',
      problem:
        given.length === 0
          ? 'a schedule needs exactly one of "cron" (e.g. cron: "0 3 * * ? *"), "rate" (e.g. rate: "1 day") or "expression" (e.g. expression: "rate(1 day)")'
          : `a schedule takes exactly one of "cron", "rate" or "expression"; received ${given.map((k) => `"${k}"`).join(' and ')}; keep one`,
    };
  }
  const key = given[0];
  const text = String(s[key]).trim();
  const wrapped = /^(cron|rate|at)\((.*)\)$/s.exec(text);
  let kind: string;
  let body: string;
  if (wrapped) {
    [, kind, body] = wrapped;
    if (key !== 'expression' && kind !== key) {
      return { key, problem: `"${key}" holds a ${kind}(...) expression; write it as ${kind}: "${body}" or expression: "${text}"` };
    }
  } else if (key === 'expression') {
    return { key, problem: `expression "${text}" must be "cron(...)" or "rate(...)", e.g. "cron(0 3 * * ? *)" or "rate(1 day)"` };
  } else {
    [kind, body] = [key, text];
  }
  if (kind === 'at') return { key, problem: `one-time "at(...)" schedules are not supported; use cron(...) or rate(...)` };
  const problem = kind === 'cron' ? cronProblem(body) : rateProblem(body);
  if (problem) return { key, problem };
  const normalizedBody = body.trim().replace(/\s+/g, ' ');
  return { expression: `${kind}(${normalizedBody})` };
}

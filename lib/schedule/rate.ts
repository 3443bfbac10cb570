/**
 * EventBridge `rate(...)` expressions: validation and the interval they describe.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based
 */

/** The rate form in words. */
export const RATE_SYNTAX = '"<positive integer> <minute(s)|hour(s)|day(s)>", e.g. "5 minutes" or "1 day"';

const RATE = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Why a rate body (the text inside `rate(...)`) is invalid, or undefined when it is fine. */
export function rateProblem(body: string): string | undefined {
  const m = RATE.exec(body);
  if (!m) return `rate "${body}" is not valid; expected ${RATE_SYNTAX}`;
  const n = Number(m[1]);
  if (n < 1) return `rate "${body}": the value must be a positive integer; expected ${RATE_SYNTAX}`;
  const plural = m[2].endsWith('s');
  if (n === 1 && plural) return `rate "${body}": use the singular unit for 1, e.g. "1 ${m[2].slice(0, -1)}"`;
  if (n > 1 && !plural) return `rate "${body}": use the plural unit for values above 1, e.g. "${n} ${m[2]}s"`;
  return undefined;
}

/** The interval of a `rate(...)` body that `rateProblem` accepts, such as `5 minutes`, in milliseconds; throws its message otherwise. */
export function parseRate(body: string): number {
  const problem = rateProblem(body);
  if (problem) throw new Error(problem);
  const [, n, unit] = RATE.exec(body)!;
  return Number(n) * UNIT_MS[unit.replace(/s$/, '')];
}

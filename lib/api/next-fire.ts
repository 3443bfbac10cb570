/**
 * Next fire times of EventBridge Scheduler expressions: `cron(...)` in a time zone, and `rate(...)`.
 */
import { nextCronTime, parseCron } from './cron';

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The interval of a `rate(...)` body such as `5 minutes`, in milliseconds; throws when it cannot be read. */
export function parseRate(body: string): number {
  const m = /^\s*(\d+)\s+(minute|hour|day)s?\s*$/.exec(body);
  if (!m || Number(m[1]) < 1) throw new Error(`rate "${body}" is not "<positive integer> <minute(s)|hour(s)|day(s)>"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Computes successive fire times of one schedule expression. */
export type FireTimeFn = (after: Date) => Date | undefined;

/**
 * A function giving the next fire time after an instant, for `cron(...)` (in `timeZone`) or `rate(...)`.
 *
 * A rate schedule fires every interval counted from `anchor` (when the schedule was created or the server
 * started), as EventBridge Scheduler counts from the schedule's creation; time zones do not affect it.
 */
export function fireTimes(expression: string, timeZone = 'UTC', anchor: Date = new Date()): FireTimeFn {
  const m = /^(cron|rate)\((.*)\)$/s.exec(expression.trim());
  if (!m) throw new Error(`Schedule expression "${expression}" is not cron(...) or rate(...)`);
  if (m[1] === 'cron') {
    const cron = parseCron(m[2]);
    return (after) => nextCronTime(cron, after, timeZone);
  }
  const interval = parseRate(m[2]);
  const origin = anchor.getTime();
  return (after) => {
    const k = Math.max(1, Math.floor((after.getTime() - origin) / interval) + 1);
    return new Date(origin + k * interval);
  };
}

/**
 * Next fire times of EventBridge Scheduler expressions: `cron(...)` in a time zone, and `rate(...)`.
 */
import { nextCronTime, parseCron } from './cron';
import { parseRate } from './rate';

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

/**
 * EventBridge Scheduler expressions, in one place: validation with messages that say what to fix (used by
 * lib/spec), and the fire times the local twin's scheduler computes from the same parse.
 *
 * ```ts
 * const r = normalizeScheduleExpression({ cron: '0 3 * * ? *' }); // { expression: 'cron(0 3 * * ? *)' }
 * const next = fireTimes('cron(0 3 * * ? *)', 'Europe/Berlin')(new Date());
 * ```
 */
export { CRON_SYNTAX, cronProblem } from './cron-fields';
export { nextCronTime, parseCron, type CronSchedule } from './cron';
export { parseRate, rateProblem, RATE_SYNTAX } from './rate';
export { normalizeScheduleExpression, type ScheduleExpressionInput } from './expression';
export { fireTimes, type FireTimeFn } from './fire-times';
export { isKnownTimeZone, knownTimeZones, wallClockToInstant, zoneOffsetMs } from './zone';

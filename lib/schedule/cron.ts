/**
 * EventBridge cron expressions (`minutes hours day-of-month month day-of-week year`): the one field table,
 * their validation with messages that say what to fix, and their next fire time in an IANA time zone.
 *
 * Supported: `*`, `?`, lists, ranges (wrapping ones such as `FRI-MON` too), steps (`*\/15`, `5/10`, `8-18/2`),
 * month and day names, `L`, `LW` and `<n>W` in day-of-month, `L`, `<d>L` and `<d>#<n>` in day-of-week.
 * Day-of-week counts `1` = SUN … `7` = SAT. `cronProblem` validates; `parseCron` reads what validation
 * accepted and throws the same message on anything else.
 *
 * Daylight-saving time: a wall-clock time that occurs twice (clocks going back) fires once, at its first
 * occurrence; one that does not exist (clocks going forward) fires at the same distance after the gap,
 * e.g. 02:30 on a night that skips 02:00–03:00 fires at 03:30.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
 */

import { cronProblem, FIELDS, valueOf, type CronField } from './cron-fields';
import { wallClockOf, wallClockToInstant } from './zone';

const [MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR] = FIELDS;

/** A rule on days of the month. */
type DomRule = { kind: 'value'; day: number } | { kind: 'last' } | { kind: 'last-weekday' } | { kind: 'nearest-weekday'; day: number };

/** A rule on days of the week (1 = SUN … 7 = SAT). */
type DowRule = { kind: 'value'; dow: number } | { kind: 'last-of-month'; dow: number } | { kind: 'nth'; dow: number; n: number };

/** A parsed cron expression. */
export interface CronSchedule {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** `undefined` = `?` (the day is decided by day-of-week). */
  readonly dom?: readonly DomRule[];
  readonly months: readonly number[];
  /** `undefined` = `?` (the day is decided by day-of-month). */
  readonly dow?: readonly DowRule[];
  /** `undefined` = every year. */
  readonly years?: readonly number[];
}

function value(text: string, f: CronField): number {
  const n = valueOf(text, f);
  if (n === undefined) throw new Error(`cron ${f.name}: cannot read "${text}"`);
  return n;
}

/** Expands a list of `*`, `a`, `a-b`, with optional `/step`, into sorted values. */
function expand(text: string, f: CronField): number[] {
  const { min, max, name: field } = f;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [base, stepText, extra] = part.split('/');
    if (extra !== undefined || (stepText !== undefined && !/^[1-9]\d*$/.test(stepText))) throw new Error(`cron ${field}: cannot read "${part}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (base === '*') [from, to] = [min, max];
    else if (base.includes('-')) {
      const [a, b] = base.split('-');
      [from, to] = [value(a, f), value(b, f)];
    } else {
      from = value(base, f);
      to = stepText === undefined ? from : max;
    }
    const span = to >= from ? to - from : to + (max - min + 1) - from; // wrapping range, e.g. FRI-MON
    for (let i = 0; i <= span; i += step) out.add(((from - min + i) % (max - min + 1)) + min);
  }
  return [...out].sort((a, b) => a - b);
}

function parseDom(text: string): DomRule[] | undefined {
  if (text === '?') return undefined;
  const rules: DomRule[] = [];
  for (const part of text.split(',')) {
    if (part === 'L') rules.push({ kind: 'last' });
    else if (part === 'LW') rules.push({ kind: 'last-weekday' });
    else if (/^\d+W$/.test(part)) rules.push({ kind: 'nearest-weekday', day: value(part.slice(0, -1), DAY_OF_MONTH) });
    else for (const day of expand(part, DAY_OF_MONTH)) rules.push({ kind: 'value', day });
  }
  return rules;
}

function parseDow(text: string): DowRule[] | undefined {
  if (text === '?') return undefined;
  const rules: DowRule[] = [];
  for (const part of text.split(',')) {
    const nth = /^(\w+)#([1-5])$/.exec(part);
    if (part === 'L') rules.push({ kind: 'value', dow: 7 });
    else if (nth) rules.push({ kind: 'nth', dow: value(nth[1], DAY_OF_WEEK), n: Number(nth[2]) });
    else if (/^\w+L$/.test(part)) rules.push({ kind: 'last-of-month', dow: value(part.slice(0, -1), DAY_OF_WEEK) });
    else for (const dow of expand(part, DAY_OF_WEEK)) rules.push({ kind: 'value', dow });
  }
  return rules;
}

/** Parses the body of `cron(...)` (six fields) that `cronProblem` accepts; throws its message otherwise. */
export function parseCron(body: string): CronSchedule {
  const problem = cronProblem(body);
  if (problem) throw new Error(problem);
  const f = body.trim().split(/\s+/);
  return {
    minutes: expand(f[0], MINUTES),
    hours: expand(f[1], HOURS),
    dom: parseDom(f[2]),
    months: expand(f[3], MONTH),
    dow: parseDow(f[4]),
    years: f[5] === '*' ? undefined : expand(f[5], YEAR),
  };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = SUN … 7 = SAT. */
function dowOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const d = dowOf(year, month, day);
  return d !== 1 && d !== 7;
}

/** The weekday nearest to `day` within the month (Quartz `W` semantics: never crosses into another month). */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const d = Math.min(day, last);
  if (isWeekday(year, month, d)) return d;
  const dow = dowOf(year, month, d);
  if (dow === 7) return d === 1 ? 3 : d - 1; // Saturday → Friday, or Monday the 3rd
  return d === last ? d - 2 : d + 1; // Sunday → Monday, or Friday before a month-end Sunday
}

function domMatches(rules: readonly DomRule[], y: number, m: number, d: number): boolean {
  const last = daysIn(y, m);
  return rules.some((r) => {
    switch (r.kind) {
      case 'value':
        return r.day === d;
      case 'last':
        return d === last;
      case 'last-weekday':
        return d === nearestWeekday(y, m, last);
      case 'nearest-weekday':
        return r.day <= last && d === nearestWeekday(y, m, r.day);
    }
  });
}

function dowMatches(rules: readonly DowRule[], y: number, m: number, d: number): boolean {
  const dow = dowOf(y, m, d);
  return rules.some((r) => {
    if (r.dow !== dow) return false;
    switch (r.kind) {
      case 'value':
        return true;
      case 'last-of-month':
        return d + 7 > daysIn(y, m);
      case 'nth':
        return Math.ceil(d / 7) === r.n;
    }
  });
}

function dayMatches(c: CronSchedule, y: number, m: number, d: number): boolean {
  if (c.dom && !domMatches(c.dom, y, m, d)) return false;
  if (c.dow && !dowMatches(c.dow, y, m, d)) return false;
  return true;
}

/**
 * The first time strictly after `after` at which the schedule fires, in `timeZone`; `undefined` when it
 * never fires again (e.g. only past years).
 */
export function nextCronTime(c: CronSchedule, after: Date, timeZone = 'UTC'): Date | undefined {
  const afterMs = after.getTime();
  // Start two hours of wall clock early so a repeated (clocks-back) hour is searched too; earlier candidates are skipped.
  const [sy, smo, sd, sh, smi] = wallClockOf(timeZone, afterMs - 2 * 3_600_000);
  const years = c.years ?? Array.from({ length: YEAR.max - sy + 1 }, (_, i) => sy + i);
  for (const y of years) {
    if (y < sy) continue;
    const yGt = y > sy;
    for (const mo of c.months) {
      if (!yGt && mo < smo) continue;
      const moGt = yGt || mo > smo;
      const last = daysIn(y, mo);
      for (let d = moGt ? 1 : sd; d <= last; d++) {
        if (!dayMatches(c, y, mo, d)) continue;
        const dGt = moGt || d > sd;
        for (const h of c.hours) {
          if (!dGt && h < sh) continue;
          const hGt = dGt || h > sh;
          for (const mi of c.minutes) {
            if (!hGt && mi < smi) continue;
            const t = wallClockToInstant(timeZone, y, mo, d, h, mi);
            if (t > afterMs) return new Date(t);
          }
        }
      }
    }
  }
  return undefined;
}

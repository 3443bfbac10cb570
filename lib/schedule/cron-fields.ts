/**
 * The fields of an EventBridge cron expression and the validation of a cron body.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
 */

/** One field of a cron expression. */
export interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Characters beyond `, - * /` this field allows. */
  readonly extra: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The six fields, in order. */
export const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, extra: '' },
  { name: 'hours', min: 0, max: 23, extra: '' },
  { name: 'day-of-month', min: 1, max: 31, extra: '?LW' },
  { name: 'month', min: 1, max: 12, names: MONTHS, extra: '' },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, extra: '?L#' },
  { name: 'year', min: 1970, max: 2199, extra: '' },
];

/** The cron form in words. */
export const CRON_SYNTAX =
  '6 fields "minutes hours day-of-month month day-of-week year" with "?" in day-of-month or day-of-week, e.g. "0 3 * * ? *"';

/** The value of a number or name in a field; undefined when it is neither or out of range. */
export function valueOf(text: string, f: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  return i >= 0 ? i + f.min : undefined;
}

function partProblem(part: string, f: CronField): string | undefined {
  const bad = `"${part}" is not valid in the ${f.name} field`;
  const range = `${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ''}`;
  if (part === '*') return undefined;
  if (f.extra.includes('L')) {
    if (f.name === 'day-of-month' && (part === 'L' || part === 'LW' || /^([1-9]|[12]\d|3[01])W$/.test(part))) return undefined;
    if (f.name === 'day-of-week') {
      if (part === 'L' || /^[1-7]L$/.test(part) || /^[A-Za-z]{3}L$/.test(part)) return undefined;
      const hash = /^(\w+)#([1-5])$/.exec(part);
      if (hash) return valueOf(hash[1], f) !== undefined ? undefined : `${bad} (expected ${range} before "#")`;
    }
  }
  const [base, step, ...rest] = part.split('/');
  if (rest.length > 0) return bad;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `${bad} (the step after "/" must be a positive integer)`;
  if (base === '*') return undefined;
  const bounds = base.split('-');
  if (bounds.length > 2 || bounds.some((b) => valueOf(b, f) === undefined)) return `${bad} (expected values in ${range})`;
  return undefined;
}

/** Why a cron body (the text inside `cron(...)`) is invalid, or undefined when it is fine. */
export function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `cron "${body}" has ${fields.length} field(s); expected ${CRON_SYNTAX}`;
  }
  const problems: string[] = [];
  fields.forEach((text, i) => {
    const f = FIELDS[i];
    if (text === '?') {
      if (!f.extra.includes('?')) problems.push(`"?" is only allowed in day-of-month or day-of-week, not in ${f.name}`);
      return;
    }
    for (const part of text.split(',')) {
      const p = partProblem(part, f);
      if (p) problems.push(p);
    }
  });
  const dom = fields[2];
  const dow = fields[4];
  if ((dom === '?') === (dow === '?')) {
    problems.push(
      'exactly one of day-of-month (field 3) and day-of-week (field 5) must be "?" (EventBridge cannot combine them), e.g. "0 3 * * ? *" or "0 3 ? * MON *"',
    );
  }
  return problems.length > 0 ? `cron "${body}": ${problems.join('; ')}` : undefined;
}

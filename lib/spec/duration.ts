/**
 * Step timeouts: `90s`, `30m`, `1h`, `1h30m`, `2d`, or a whole number of seconds.
 */

/** The smallest timeout AWS Batch accepts, in seconds. */
export const MIN_TIMEOUT_SECONDS = 60;

/** The timeout syntax in words, for messages and docs. */
export const DURATION_SYNTAX =
  'a whole number of seconds or a duration such as "90s", "30m", "1h", "1h30m" or "2d" (units d, h, m, s in that order)';

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses a duration into seconds; undefined when the syntax is wrong. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = DURATION.exec(text);
  if (!m || text === '') return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

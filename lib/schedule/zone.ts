/**
 * IANA time zones: which exist, and the conversions between instants and wall-clock times.
 */

let zones: Set<string> | undefined;

/** Whether `tz` is an IANA time zone this Node knows (plus `UTC`). */
export function isKnownTimeZone(tz: string): boolean {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return zones.has(tz);
}

/** Every known time zone name (for "did you mean"). */
export function knownTimeZones(): ReadonlySet<string> {
  isKnownTimeZone('UTC');
  return zones!;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms) at an instant. */
export function zoneOffsetMs(timeZone: string, instant: number): number {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(instant))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (first occurrence when ambiguous; shifted forward in a gap). */
export function wallClockToInstant(timeZone: string, y: number, mo: number, d: number, h: number, mi: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const DAY = 86_400_000;
  const offsets = new Set([zoneOffsetMs(timeZone, wall - DAY), zoneOffsetMs(timeZone, wall), zoneOffsetMs(timeZone, wall + DAY)]);
  const valid = [...offsets].map((o) => wall - o).filter((t) => zoneOffsetMs(timeZone, t) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  return wall - zoneOffsetMs(timeZone, wall - DAY);
}

/** The wall-clock fields of an instant in a zone. */
export function wallClockOf(timeZone: string, instant: number): [number, number, number, number, number] {
  const w = new Date(instant + zoneOffsetMs(timeZone, instant));
  return [w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes()];
}

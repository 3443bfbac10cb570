/**
 * The EventBridge cron/rate next-fire calculator used by `pipewright serve` to fire schedules in-process.
 */
import { describe, expect, it } from 'vitest';
import { fireTimes, nextCronTime, parseCron, parseRate, wallClockToInstant } from '../../lib/schedule';

/** The next fire time of a `cron(...)` body after an ISO instant, as ISO. */
function next(body: string, after: string, tz = 'UTC'): string | undefined {
  return nextCronTime(parseCron(body), new Date(after), tz)?.toISOString();
}

/** The first `n` fire times after an instant. */
function series(body: string, after: string, n: number, tz = 'UTC'): string[] {
  const c = parseCron(body);
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < n; i++) {
    t = nextCronTime(c, t, tz)!;
    out.push(t.toISOString());
  }
  return out;
}

describe('parseCron', () => {
  it('expands *, lists, ranges, steps and names', () => {
    const c = parseCron('0/15 8-18/5 ? JAN,MAR-APR MON-FRI *');
    expect(c.minutes).toEqual([0, 15, 30, 45]);
    expect(c.hours).toEqual([8, 13, 18]);
    expect(c.dom).toBeUndefined();
    expect(c.months).toEqual([1, 3, 4]);
    expect(c.dow).toEqual([2, 3, 4, 5, 6].map((dow) => ({ kind: 'value', dow })));
    expect(c.years).toBeUndefined();
  });

  it('reads a wrapping day-of-week range (FRI-MON)', () => {
    expect(parseCron('0 0 ? * FRI-MON *').dow).toEqual([1, 2, 6, 7].map((dow) => ({ kind: 'value', dow })));
  });

  it('rejects what it cannot read (friendly validation is lib/spec\'s job)', () => {
    expect(() => parseCron('0 0 * *')).toThrow(/expected 6/);
    expect(() => parseCron('61 0 * * ? *')).toThrow(/minutes/);
    expect(() => parseCron('0 0 ? FOO * *')).toThrow(/month/);
  });
});

describe('nextCronTime in UTC', () => {
  it('fires daily at 03:00, strictly after the given instant', () => {
    expect(next('0 3 * * ? *', '2026-11-27T02:59:00Z')).toBe('2026-11-27T03:00:00.000Z');
    expect(next('0 3 * * ? *', '2026-11-27T03:00:00Z')).toBe('2026-11-28T03:00:00.000Z');
  });

  it('steps through minutes and rolls over hours, days, months and years', () => {
    expect(series('*/20 * * * ? *', '2026-12-31T23:30:00Z', 3)).toEqual([
      '2026-12-31T23:40:00.000Z',
      '2027-01-01T00:00:00.000Z',
      '2027-01-01T00:20:00.000Z',
    ]);
  });

  it('honours day-of-week with ? in day-of-month (weekdays at 09:00)', () => {
    // 2026-11-27 is a Friday.
    expect(series('0 9 ? * MON-FRI *', '2026-11-27T10:00:00Z', 2)).toEqual(['2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z']);
  });

  it('honours numeric day-of-week (1 = SUN)', () => {
    expect(next('0 0 ? * 1 *', '2026-11-27T00:00:00Z')).toBe('2026-11-29T00:00:00.000Z');
  });

  it('honours a day-of-month list with ? in day-of-week', () => {
    expect(series('30 6 1,15 * ? *', '2026-11-27T00:00:00Z', 2)).toEqual(['2026-12-01T06:30:00.000Z', '2026-12-15T06:30:00.000Z']);
  });

  it('skips months without the day (31st)', () => {
    expect(series('0 0 31 * ? *', '2026-01-31T00:00:00Z', 2)).toEqual(['2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
  });

  it('supports L (last day of month), including leap years', () => {
    expect(series('0 0 L * ? *', '2028-01-31T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']);
  });

  it('supports W (nearest weekday) and LW (last weekday)', () => {
    // 2026-11-15 is a Sunday → Monday the 16th; 2026-08-01 is a Saturday → Monday the 3rd (never crosses months).
    expect(next('0 0 15W * ? *', '2026-11-01T00:00:00Z')).toBe('2026-11-16T00:00:00.000Z');
    expect(next('0 0 1W * ? *', '2026-07-05T00:00:00Z')).toBe('2026-08-03T00:00:00.000Z');
    // 2026-05-31 is a Sunday → Friday the 29th.
    expect(next('0 0 LW * ? *', '2026-05-01T00:00:00Z')).toBe('2026-05-29T00:00:00.000Z');
  });

  it('supports # (nth weekday) and <d>L (last weekday of the month)', () => {
    expect(next('0 0 ? * 6#3 *', '2026-11-01T00:00:00Z')).toBe('2026-11-20T00:00:00.000Z'); // third Friday
    expect(next('0 0 ? * MON#1 *', '2026-11-27T00:00:00Z')).toBe('2026-12-07T00:00:00.000Z');
    expect(next('0 0 ? * 2L *', '2026-11-01T00:00:00Z')).toBe('2026-11-30T00:00:00.000Z'); // last Monday
  });

  it('honours the year field and ends when no year is left', () => {
    expect(next('0 12 1 JAN ? 2028', '2026-11-27T00:00:00Z')).toBe('2028-01-01T12:00:00.000Z');
    expect(next('0 12 1 JAN ? 2020-2025', '2026-11-27T00:00:00Z')).toBeUndefined();
  });
});

describe('nextCronTime in a time zone', () => {
  it('fires at wall-clock time in the zone (Europe/Berlin, winter: UTC+1)', () => {
    expect(next('0 3 * * ? *', '2026-11-27T03:00:00Z', 'Europe/Berlin')).toBe('2026-11-28T02:00:00.000Z');
  });

  it('follows the zone into summer time (Europe/Berlin, UTC+2)', () => {
    expect(next('0 3 * * ? *', '2026-07-01T00:00:00Z', 'Europe/Berlin')).toBe('2026-07-01T01:00:00.000Z');
  });

  it('fires a time skipped by clocks going forward at the same distance after the gap', () => {
    // America/New_York skips 02:00-03:00 on 2026-03-08: 02:30 fires at 03:30 EDT (07:30Z).
    expect(next('30 2 * * ? *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    expect(next('0 3 * * ? *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
  });

  it('fires a time repeated by clocks going back once, at its first occurrence', () => {
    // 2026-11-01 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(series('30 1 * * ? *', '2026-11-01T04:00:00Z', 2, 'America/New_York')).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('handles zones with non-hour offsets (Asia/Kolkata, UTC+5:30)', () => {
    expect(next('0 9 * * ? *', '2026-11-27T00:00:00Z', 'Asia/Kolkata')).toBe('2026-11-27T03:30:00.000Z');
  });

  it('converts wall-clock times to instants', () => {
    expect(new Date(wallClockToInstant('Europe/Berlin', 2026, 1, 1, 0, 0)).toISOString()).toBe('2025-12-31T23:00:00.000Z');
  });
});

describe('rate(...) and fireTimes', () => {
  it('parses minutes, hours and days', () => {
    expect(parseRate('1 minute')).toBe(60_000);
    expect(parseRate('5 minutes')).toBe(300_000);
    expect(parseRate('2 hours')).toBe(7_200_000);
    expect(parseRate('1 day')).toBe(86_400_000);
    expect(() => parseRate('0 minutes')).toThrow();
    expect(() => parseRate('fortnightly')).toThrow();
  });

  it('fires a rate every interval from its anchor', () => {
    const anchor = new Date('2026-11-27T08:00:10Z');
    const times = fireTimes('rate(5 minutes)', 'UTC', anchor);
    expect(times(anchor)?.toISOString()).toBe('2026-11-27T08:05:10.000Z');
    expect(times(new Date('2026-11-27T08:05:10Z'))?.toISOString()).toBe('2026-11-27T08:10:10.000Z');
    expect(times(new Date('2026-11-27T09:01:00Z'))?.toISOString()).toBe('2026-11-27T09:05:10.000Z');
  });

  it('dispatches cron(...) with its time zone', () => {
    expect(fireTimes('cron(0 3 * * ? *)', 'Europe/Berlin')(new Date('2026-11-27T03:00:00Z'))?.toISOString()).toBe('2026-11-28T02:00:00.000Z');
    expect(() => fireTimes('at(2026-01-01T00:00:00)')).toThrow(/cron\(\.\.\.\) or rate/);
  });
});

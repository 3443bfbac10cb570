/**
 * Run ids: `YYYYMMDD-HHMMSS-mmmxxx` (UTC time, milliseconds, 3 random hex digits), so ids sort by start time.
 *
 * A run id is also the Step Functions execution name, so the lookup handler reads it from the execution id.
 */
import { randomBytes } from 'node:crypto';

const RUN_ID = /^\d{8}-\d{6}-\d{3}[0-9a-f]{3}$/;

/** A new run id for a run starting at `now`. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-27T08:15:01.123Z
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  const ms = iso.slice(20, 23);
  return `${date}-${time}-${ms}${randomBytes(2).toString('hex').slice(0, 3)}`;
}

/** Whether a string has the shape of a run id made by `newRunId`. */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

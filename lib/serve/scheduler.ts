/**
 * Fires pipelines' schedules in-process (the local twin of EventBridge Scheduler in `pipewright serve`).
 */
import type { PipelineIR, ScheduleIR } from '../ir';
import { fireTimes, type FireTimeFn } from '../schedule';

/** Longest delay `setTimeout` accepts (about 24.8 days); longer waits re-arm. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Options of `startScheduler`. */
export interface SchedulerOptions {
  readonly pipelines: readonly PipelineIR[];
  /** Starts a run for a schedule that is due; errors are passed to `onError`. */
  readonly fire: (pipeline: PipelineIR, schedule: ScheduleIR, at: Date) => Promise<void> | void;
  /** @default - the errors are written to stderr */
  readonly onError?: (err: unknown, pipeline: PipelineIR, schedule: ScheduleIR) => void;
  /** The clock. @default - `() => new Date()` */
  readonly now?: () => Date;
}

/** One armed schedule. */
export interface ScheduledFire {
  readonly pipeline: string;
  readonly schedule: string;
  readonly expression: string;
  readonly timezone: string;
  /** @default - never fires again */
  readonly next?: Date;
}

/** A running scheduler. */
export interface Scheduler {
  /** Every schedule with its next fire time. */
  upcoming(): ScheduledFire[];
  /** Stops every timer. */
  stop(): void;
}

/** Arms a timer per schedule of every pipeline; each fires at its next time, then re-arms. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? ((err, p, s) => process.stderr.write(`schedule ${p.name}/${s.name}: ${(err as Error)?.message ?? err}\n`));
  const entries: { pipeline: PipelineIR; schedule: ScheduleIR; times: FireTimeFn; next?: Date; timer?: NodeJS.Timeout }[] = [];
  let stopped = false;

  function arm(entry: (typeof entries)[number], after: Date): void {
    entry.next = entry.times(after);
    if (!entry.next || stopped) return;
    const target = entry.next;
    const wait = (): void => {
      const delay = target.getTime() - now().getTime();
      if (delay > 0) {
        entry.timer = setTimeout(wait, Math.min(delay, MAX_TIMEOUT_MS));
        entry.timer.unref?.();
        return;
      }
      if (stopped) return;
      Promise.resolve()
        .then(() => options.fire(entry.pipeline, entry.schedule, target))
        .catch((err) => onError(err, entry.pipeline, entry.schedule));
      // Re-arm from the later of the fire time and now, so a sleeping machine does not replay missed fires.
      arm(entry, new Date(Math.max(target.getTime(), now().getTime())));
    };
    wait();
  }

  const start = now();
  for (const pipeline of options.pipelines) {
    for (const schedule of Object.values(pipeline.schedules)) {
      const entry = { pipeline, schedule, times: fireTimes(schedule.expression, schedule.timezone, start) };
      entries.push(entry);
      arm(entry, start);
    }
  }

  return {
    upcoming: () =>
      entries.map((e) => ({
        pipeline: e.pipeline.name,
        schedule: e.schedule.name,
        expression: e.schedule.expression,
        timezone: e.schedule.timezone,
        ...(e.next ? { next: e.next } : {}),
      })),
    stop: () => {
      stopped = true;
      for (const e of entries) clearTimeout(e.timer);
    },
  };
}

/**
 * The `TimeoutSeconds` of a step's Batch Task state, derived from the step's own `timeout`.
 *
 * The step's timeout limits each attempt (the Batch job definition's `attemptDurationSeconds`; locally the
 * runner's timer). The Task state waits for the whole job, so its limit covers every attempt Batch may make
 * plus time spent queued for capacity. Without it, the local interpreter would stop any Task after 60 s.
 */
import { BATCH_MIN_ATTEMPT_SECONDS } from '../protocol';
import type { JobDefinitionSpec } from './types';

/**
 * The most attempts AWS Batch makes of one job ("You can specify between 1 and 10 attempts").
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_RetryStrategy.html
 */
export const BATCH_MAX_ATTEMPTS = 10;

export { BATCH_MIN_ATTEMPT_SECONDS } from '../protocol';

/** Time a job may wait in its queue for capacity before the Task gives up: one day. */
export const QUEUE_ALLOWANCE_SECONDS = 86_400;

/**
 * The largest Task timeout emitted: 23 days. The local interpreter holds it in a Node timer, which fires at
 * once beyond 2^31 − 1 ms (24.8 days).
 */
export const MAX_TASK_TIMEOUT_SECONDS = 2_000_000;

/** The Batch Task's `TimeoutSeconds` for a step with this job definition. */
export function taskTimeoutSeconds(job: Pick<JobDefinitionSpec, 'timeoutSeconds'>): number {
  const attempt = Math.max(BATCH_MIN_ATTEMPT_SECONDS, job.timeoutSeconds);
  return Math.min(MAX_TASK_TIMEOUT_SECONDS, BATCH_MAX_ATTEMPTS * attempt + QUEUE_ALLOWANCE_SECONDS);
}

/**
 * Limits every layer shares: the definition checks them, the run-time code enforces them again.
 */

/**
 * The most items one foreach step may have: AWS Batch's largest array job.
 * @see https://docs.aws.amazon.com/batch/latest/userguide/array_jobs.html
 */
export const MAX_FOREACH_ITEMS = 10_000;

/**
 * Idempotency keys: the same key for the same pipeline names the same run.
 */
import { createHash } from 'node:crypto';
import { idempotencyKey } from '../protocol';

/** A stable hash of (pipeline, key): 32 hex digits, used for store keys and execution names. */
export function idempotencyHash(pipeline: string, key: string): string {
  return createHash('sha256').update(`${pipeline}\n${key}`).digest('hex').slice(0, 32);
}

/**
 * The Step Functions execution name (the run id) for an idempotency key: `k-<32 hex>`.
 *
 * StartExecution with an existing name fails with ExecutionAlreadyExists (or returns the running one when the
 * input is identical), so a repeated key can never start a second execution within the 90 days Step Functions
 * keeps execution names.
 */
export function idempotentRunId(pipeline: string, key: string): string {
  return `k-${idempotencyHash(pipeline, key)}`;
}

/** Store key of the local idempotency map entry for (pipeline, key). */
export function idempotencyRecordKey(pipeline: string, key: string): string {
  return idempotencyKey(idempotencyHash(pipeline, key));
}

/** What the local idempotency map stores per key. */
export interface IdempotencyRecord {
  readonly pipeline: string;
  readonly key: string;
  readonly runId: string;
  readonly createdAt: string;
}

/**
 * The step record: what a successful step execution left behind, filed under its cache key.
 *
 * A record is written only after every blob it names, and read back only while they are all present,
 * so a record never points at missing data.
 */
import { IntegrityError, UsageError } from '../errors';
import { isArtifactRef, isHash, refHash, type ArtifactRef, type ArtifactStore, type Hash } from '../store';
import type { CacheKeyDocument } from './cache-key';
import { recordKey } from './store-keys';

/** One metric a step logged (a line of `$PW_METRICS`). */
export interface Metric {
  readonly name: string;
  readonly value: number;
  /** @default - none */
  readonly step?: number;
}

/** What a successful step execution left behind, stored under its cache key. */
export interface StepRecord {
  readonly v: 1;
  /** `sha256:…` of the canonical CacheKeyDocument. */
  readonly key: Hash;
  readonly keyDocument: CacheKeyDocument;
  /** Step and pipeline that produced it (informational: reuse is global to the store). */
  readonly step: string;
  readonly pipeline: string;
  readonly runId: string;
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  readonly metrics: readonly Metric[];
  /** Blob hashes of the captured streams. */
  readonly stdout: Hash;
  readonly stderr: Hash;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Bytes of each output that is a file (for gathering foreach outputs into a tree). @default - not recorded */
  readonly sizes?: Readonly<Record<string, number>>;
  /**
   * Items of a foreach step that failed (a result within its `tolerate`); a lookup re-runs them.
   * @default - none: complete
   */
  readonly failedItems?: readonly FailedItem[];
}

/** One foreach item that failed. */
export interface FailedItem {
  readonly index: number;
  readonly name: string;
  readonly error: string;
}

/**
 * Reads the step record for a cache key; undefined when there is none, it is unreadable or malformed, or
 * it names a blob the store no longer holds (the step then re-runs and rewrites it).
 */
export async function readStepRecord(store: ArtifactStore, key: Hash): Promise<StepRecord | undefined> {
  checkKeyHash(key, 'readStepRecord');
  let record: StepRecord | undefined;
  try {
    record = await store.getJson<StepRecord>(recordKey(key));
  } catch (err) {
    if (err instanceof IntegrityError) return undefined; // not JSON: treated as absent
    throw err;
  }
  if (!isRecordShape(record) || record.key !== key) return undefined;
  const present = await Promise.all(recordBlobs(record).map(([, hash]) => store.has(hash)));
  return present.every(Boolean) ? record : undefined;
}

/** Writes a step record; refuses (IntegrityError) while any blob it names is missing from the store. */
export async function writeStepRecord(store: ArtifactStore, record: StepRecord): Promise<void> {
  checkKeyHash(record.key, 'writeStepRecord');
  if (!isRecordShape(record as StepRecord | undefined)) {
    throw new UsageError(
      `writeStepRecord: the record for ${record.key} is malformed: expected v 1, outputs of artifact references and ` +
        'stdout/stderr blob hashes (see StepRecord in lib/protocol/step-record.ts).',
    );
  }
  const names = recordBlobs(record);
  const present = await Promise.all(names.map(([, hash]) => store.has(hash)));
  const missing = names.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    throw new IntegrityError(
      `Refusing to write the record ${record.key} (step ${record.step}) to store ${store.location}: it names data ` +
        `that is not in the store: ${missing.map(([what, hash]) => `${what} ${hash}`).join(', ')}. ` +
        'Store every output and log first (putPath/putBytes), then write the record.',
      missing[0][1],
    );
  }
  await store.putJson(recordKey(record.key), record);
}

/** Metric name → last value logged. */
export function lastMetricValues(metrics: readonly Metric[]): Record<string, number> {
  const out: Record<string, number> = {};
  // defineProperty: a metric named `__proto__` is a metric, not a prototype.
  for (const m of metrics) Object.defineProperty(out, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
  return out;
}

function checkKeyHash(hash: unknown, op: string): asserts hash is Hash {
  if (!isHash(hash)) {
    throw new UsageError(`${op}: expected a cache key of the form sha256:<64 lowercase hex>, received ${JSON.stringify(hash)}.`);
  }
}

function isRecordShape(r: StepRecord | undefined): r is StepRecord {
  return (
    typeof r === 'object' &&
    r !== null &&
    r.v === 1 &&
    isHash(r.stdout) &&
    isHash(r.stderr) &&
    typeof r.outputs === 'object' &&
    r.outputs !== null &&
    Object.values(r.outputs).every(isArtifactRef)
  );
}

/** The blobs a record names, as [what, hash] pairs (a tree output names its tree blob). */
function recordBlobs(record: StepRecord): Array<[string, Hash]> {
  return [
    ...Object.entries(record.outputs).map(([name, ref]): [string, Hash] => [`output ${name}`, refHash(ref)]),
    ['stdout', record.stdout],
    ['stderr', record.stderr],
  ];
}

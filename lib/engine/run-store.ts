/**
 * A store view for one run that remembers the step records it has read.
 *
 * The lookup handler reads a record to decide reuse, and the engine needs the same record for the run
 * document (metrics, time saved); remembering it halves the reads of a reused step. Records are immutable
 * per key, so only found records are remembered.
 */
import type { ArtifactRef, ArtifactStore, Hash, PutOptions, StepRecord } from '../store/types';

/** Wraps a store; every call but `getRecord` goes straight through. */
export class RunScopedStore implements ArtifactStore {
  private readonly records = new Map<Hash, StepRecord>();

  constructor(private readonly inner: ArtifactStore) {}

  get location(): string {
    return this.inner.location;
  }

  /** The record read (or written) for a key during this run, without touching the store. */
  knownRecord(key: Hash): StepRecord | undefined {
    return this.records.get(key);
  }

  putBytes(data: Uint8Array): Promise<Hash> {
    return this.inner.putBytes(data);
  }
  getBytes(hash: Hash): Promise<Buffer> {
    return this.inner.getBytes(hash);
  }
  has(hash: Hash): Promise<boolean> {
    return this.inner.has(hash);
  }
  putPath(path: string, options?: PutOptions): Promise<ArtifactRef> {
    return this.inner.putPath(path, options);
  }
  materialize(ref: ArtifactRef, dest: string): Promise<void> {
    return this.inner.materialize(ref, dest);
  }
  verify(ref: ArtifactRef): Promise<void> {
    return this.inner.verify(ref);
  }
  async getRecord(key: Hash): Promise<StepRecord | undefined> {
    const known = this.records.get(key);
    if (known) return known;
    const record = await this.inner.getRecord(key);
    if (record) this.records.set(key, record);
    return record;
  }
  async putRecord(record: StepRecord): Promise<void> {
    await this.inner.putRecord(record);
    this.records.set(record.key, record);
  }
  getJson<T>(key: string): Promise<T | undefined> {
    return this.inner.getJson<T>(key);
  }
  putJson(key: string, value: unknown): Promise<void> {
    return this.inner.putJson(key, value);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}

/**
 * A store view for one run that remembers the step records it has read.
 *
 * The lookup handler reads a record to decide reuse, and the engine needs the same record for the run
 * document (metrics, time saved); remembering it halves the reads of a reused step. Records are immutable
 * per key, so only found records are remembered.
 */
import { RECORDS_PREFIX, recordKey, type StepRecord } from '../protocol';
import type { ArtifactRef, ArtifactStore, Hash, PutOptions } from '../store';

/** Wraps a store; every call but reading a record document goes straight through. */
export class RunScopedStore implements ArtifactStore {
  private readonly records = new Map<string, unknown>();

  constructor(private readonly inner: ArtifactStore) {}

  get location(): string {
    return this.inner.location;
  }

  /** The record read (or written) for a key during this run, without touching the store. */
  knownRecord(key: Hash): StepRecord | undefined {
    return this.records.get(recordKey(key)) as StepRecord | undefined;
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
  async getJson<T>(key: string): Promise<T | undefined> {
    if (!key.startsWith(RECORDS_PREFIX)) return this.inner.getJson<T>(key);
    const known = this.records.get(key);
    if (known !== undefined) return known as T;
    const doc = await this.inner.getJson<T>(key);
    if (doc !== undefined) this.records.set(key, doc);
    return doc;
  }
  async putJson(key: string, value: unknown): Promise<void> {
    await this.inner.putJson(key, value);
    if (key.startsWith(RECORDS_PREFIX)) this.records.set(key, value);
  }
  hasDocument(key: string): Promise<boolean> {
    return this.inner.hasDocument(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}

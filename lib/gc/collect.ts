/**
 * `pipewright gc`: prunes a store (filesystem or S3) to the runs worth keeping and everything they need.
 *
 * Kept: the last `keepLast` runs of each pipeline, runs newer than `newerThan`, every run still executing,
 * every document under `pins/`, `registry/` (deployed pipelines) and `uris/`, and every record and blob any of
 * those reach (a run's step results name cache keys; records, manifests and tree listings name blobs). Objects
 * modified within `graceMs` are never deleted, so a run that is writing its blobs is safe.
 *
 * Order makes it crash-safe: run documents, then records, then blobs, and blobs are marked from the records
 * still present just before the sweep. A gc killed at any point leaves no record naming a missing blob; a
 * second gc (or one running at the same time) computes the same live set and only deletes more garbage.
 */
import { listRuns, type RunDocument } from '../engine';
import { RECORDS_PREFIX, RUNS_PREFIX, recordKey, runDocumentKey, runStepsPrefix } from '../protocol';
import { blobKey, type CasStore, type Hash } from '../store';

/** What to keep and how to act. */
export interface GcOptions {
  /** Runs kept per pipeline, newest first. @default 10 */
  readonly keepLast?: number;
  /** Also keep every run started at or after this time. @default - none */
  readonly newerThan?: Date;
  /** Report what would be freed, delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Objects modified more recently than this are kept, in milliseconds. @default 3600000 (one hour) */
  readonly graceMs?: number;
  /** Called before each deletion (progress; tests use it to stop gc at a chosen point). @default - none */
  readonly onDelete?: (key: string) => void;
}

/** What gc found and freed. */
export interface GcReport {
  readonly dryRun: boolean;
  readonly runsKept: number;
  readonly runsDeleted: number;
  readonly recordsDeleted: number;
  readonly blobsDeleted: number;
  /** Bytes of the deleted blobs (and documents). */
  readonly bytesFreed: number;
}

const HASH = /sha256:[0-9a-f]{64}/g;
/** Blobs up to this size are read to find the hashes they name (manifests, tree listings, job specs). */
const SCAN_LIMIT = 4 * 1024 * 1024;
/** Prefixes whose documents are roots: pins, deployed pipelines' registry entries, remembered S3 listings. */
const ROOT_PREFIXES = ['pins/', 'registry/', 'uris/'];

/** Every key under a prefix, recursively (the store lists one level at a time). */
async function listAll(store: CasStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of await store.list(prefix)) {
    if (key.endsWith('/')) out.push(...(await listAll(store, key)));
    else out.push(key);
  }
  return out;
}

function hashesIn(text: string): Hash[] {
  return (text.match(HASH) ?? []) as Hash[];
}

/** Whether a `running` run may still be executing (its process is alive, or it runs elsewhere or in the cloud). */
function mayBeExecuting(doc: RunDocument): boolean {
  return doc.status === 'running';
}

/** Prunes `store`; see the module doc. */
export async function collectGarbage(store: CasStore, opts: GcOptions = {}): Promise<GcReport> {
  const keepLast = opts.keepLast ?? 10;
  const dryRun = opts.dryRun ?? false;
  const cutoff = Date.now() - (opts.graceMs ?? 3_600_000);
  const backend = store.backend;
  let bytesFreed = 0;
  const remove = async (key: string): Promise<boolean> => {
    const st = await backend.stat(key);
    if (!st || st.modifiedAt.getTime() > cutoff) return false;
    bytesFreed += st.size;
    if (!dryRun) {
      opts.onDelete?.(key);
      await backend.remove(key);
    }
    return true;
  };

  // 1. Runs: keep the newest per pipeline, the recent ones and any still executing (listRuns settles dead ones).
  const runs = await listRuns(store);
  const byPipeline = new Map<string, RunDocument[]>();
  for (const r of runs) byPipeline.set(r.pipeline, [...(byPipeline.get(r.pipeline) ?? []), r]);
  const kept: RunDocument[] = [];
  const dropped: RunDocument[] = [];
  for (const list of byPipeline.values()) {
    list.sort((a, b) => (a.runId < b.runId ? 1 : -1));
    list.forEach((r, i) => {
      const recent = opts.newerThan !== undefined && Date.parse(r.startedAt) >= opts.newerThan.getTime();
      (i < keepLast || recent || mayBeExecuting(r) ? kept : dropped).push(r);
    });
  }
  // Run ids with step documents but no run document (cloud runs, or a run document already deleted) are kept
  // when they are recent, through the grace period of their files.
  let runsDeleted = 0;
  for (const r of dropped) {
    for (const key of await listAll(store, runStepsPrefix(r.runId))) await remove(key);
    if (await remove(runDocumentKey(r.runId))) runsDeleted++;
  }

  // 2. Records: live when a remaining run (document or step document, local or cloud) names its cache key.
  const droppedIds = new Set(dropped.map((r) => r.runId));
  const liveRecords = new Set<string>();
  for (const key of await listAll(store, RUNS_PREFIX)) {
    const runId = key.slice(RUNS_PREFIX.length).split(/[/.]/)[0];
    if (dryRun && droppedIds.has(runId)) continue;
    const text = (await backend.getBytes(key))?.toString('utf8') ?? '';
    for (const m of text.matchAll(/"cacheKey"\s*:\s*"(sha256:[0-9a-f]{64})"/g)) liveRecords.add(recordKey(m[1] as Hash));
  }
  let recordsDeleted = 0;
  for (const key of await listAll(store, RECORDS_PREFIX)) {
    if (!liveRecords.has(key) && (await remove(key))) recordsDeleted++;
  }

  // 3. Blobs: marked from everything that remains (re-listed now, so records written meanwhile count).
  const roots: string[] = [];
  for (const key of [...(await listAll(store, RECORDS_PREFIX)), ...(await listAll(store, RUNS_PREFIX))]) roots.push(key);
  for (const prefix of ROOT_PREFIXES) roots.push(...(await listAll(store, prefix)));
  const live = new Set<Hash>();
  const queue: Hash[] = [];
  const mark = (h: Hash): void => {
    if (!live.has(h)) {
      live.add(h);
      queue.push(h);
    }
  };
  for (const key of roots) {
    if (dryRun && dropped.some((r) => key === runDocumentKey(r.runId) || key.startsWith(runStepsPrefix(r.runId)))) continue;
    if (dryRun && key.startsWith(RECORDS_PREFIX) && !liveRecords.has(key)) continue;
    const bytes = await backend.getBytes(key);
    if (bytes) hashesIn(bytes.toString('utf8')).forEach(mark);
  }
  while (queue.length > 0) {
    const h = queue.pop()!;
    const st = await backend.stat(blobKey(h));
    if (!st || st.size > SCAN_LIMIT) continue;
    const bytes = await backend.getBytes(blobKey(h));
    if (bytes && bytes[0] === 0x7b /* { */) hashesIn(bytes.toString('utf8')).forEach(mark);
  }
  let blobsDeleted = 0;
  for (const key of await listAll(store, 'cas/sha256/')) {
    const h = `sha256:${key.slice('cas/sha256/'.length)}` as Hash;
    if (!live.has(h) && (await remove(key))) blobsDeleted++;
  }
  return { dryRun, runsKept: kept.length, runsDeleted, recordsDeleted, blobsDeleted, bytesFreed };
}

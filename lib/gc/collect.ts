/**
 * `pipewright gc`: prunes a store (filesystem or S3) to the runs worth keeping and everything they need.
 *
 * Kept: the last `keepLast` runs of each pipeline, runs newer than `newerThan`, every run still executing,
 * every document under `pins/`, `registry/` (deployed pipelines) and `uris/`, and every record and blob any of
 * those reach (a run's step results name cache keys; records, manifests and tree listings name blobs). Objects
 * modified within `graceMs` are never deleted, so a run that is writing its blobs is safe.
 *
 * Order makes it crash-safe: (1) run documents, (2) records, (3) mark, (4) blobs. A gc killed at any point
 * leaves no record naming a missing blob. Two gcs on one store take turns (a store lock, see `GC_LOCK`).
 *
 * Safe while runs are executing. gc (a) lists `runs/` to find live cache keys, (b) deletes every other record
 * but keeps its bytes, (c1) re-lists `runs/` and writes back (restores) every record it deleted that a run now
 * names, (c2) lists `records/` and marks what it and the roots reach, (d) sweeps unmarked blobs. A lookup hit
 * (lib/reuse/lookup-handler.ts) reads the record R, writes its run document W naming R's key and outputs, then
 * checks R is still there; if it is gone the step runs instead. A foreach plan does the same for its reused
 * items, W being one `runs/<runId>/_reused-<step>.json` naming them all (lib/reuse/foreach-step.ts). For a hit
 * that is reused (R present at that check, which follows W):
 * - W visible at (a): R is live, never deleted; present at (c2), so its blobs are marked.
 * - W visible at (c1) but not (a): if (b) deleted R, (c1) restores it before (c2); W names the outputs too.
 * - W not visible at (c1): W, hence the check, came after (b). The check found R, so (b) did not delete it
 *   (a deleted R comes back only by a restore, made only for a key some run names, before (c2)); R was
 *   therefore present at (c2) and its blobs are marked.
 * So a reused record and its blobs survive; a hit whose record (b) took re-runs its step. In the second case
 * the record may be absent for a moment after the hit (deleted by (b), back at (c1)): a downstream lookup then
 * takes the upstream's outputs from this run's step document (lib/reuse/key-resolver.ts), and a foreach gather
 * an item's record from the plan's claim; both name the blobs, which (c1) has marked. Restores are the only
 * writes of old records, which is why two gcs must not interleave: one gc's restore could land after the
 * other's (c2) listing.
 */
import { listRuns, lockStep, type RunDocument } from '../engine';
import { RECORDS_PREFIX, RUNS_PREFIX, recordKey, runDocumentKey, runStepsPrefix } from '../protocol';
import { blobKey, hashBytes, REFRESH_AFTER_MS, type CasStore, type Hash } from '../store';

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
  /** Called after each phase ('runs', 'listed', 'records', 'restored', 'marked'); tests use it to interleave a run. @default - none */
  readonly onPhase?: (phase: GcPhase) => void | Promise<void>;
  /** Called with a warning (e.g. this store cannot lock out a concurrent gc). @default - none */
  readonly onWarning?: (message: string) => void;
}

/** The points between gc's phases, for `onPhase`. */
export type GcPhase = 'runs' | 'listed' | 'records' | 'restored' | 'marked';

/** What gc found and freed. */
export interface GcReport {
  readonly dryRun: boolean;
  readonly runsKept: number;
  readonly runsDeleted: number;
  readonly recordsDeleted: number;
  /** Records deleted and written back because a run began to reuse them meanwhile (counted in neither). */
  readonly recordsRestored: number;
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

/** The store lock two gcs share: the key of a step lock no step has. */
const GC_LOCK = hashBytes(Buffer.from('pipewright gc', 'utf8'));

/** Prunes `store`; see the module doc. */
export async function collectGarbage(store: CasStore, opts: GcOptions = {}): Promise<GcReport> {
  const lock = opts.dryRun ? undefined : await lockStep(store, GC_LOCK, { onWarning: (m) => opts.onWarning?.(`gc: ${m}`) });
  try {
    return await collect(store, opts);
  } finally {
    await lock?.release();
  }
}

async function collect(store: CasStore, opts: GcOptions): Promise<GcReport> {
  const keepLast = opts.keepLast ?? 10;
  const dryRun = opts.dryRun ?? false;
  const graceMs = opts.graceMs ?? 3_600_000;
  const cutoff = Date.now() - graceMs;
  if (store.backend.location.startsWith('s3://') && graceMs < REFRESH_AFTER_MS) {
    opts.onWarning?.(
      `gc: a grace of ${Math.round(graceMs / 60_000)} minute(s) is shorter than the ${REFRESH_AFTER_MS / 60_000} minutes within which S3 blobs written again keep their old time; a run executing now could lose such a blob (use --grace ${REFRESH_AFTER_MS / 60_000} or more while runs execute)`,
    );
  }
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
  await opts.onPhase?.('runs');

  // 2. Records: live when a remaining run (document or step document, local or cloud) names its cache key.
  const droppedIds = new Set(dropped.map((r) => r.runId));
  /** The text of every remaining run and step document, keyed by store key (dropped runs left out in a dry run). */
  const readRuns = async (): Promise<Map<string, string>> => {
    const texts = new Map<string, string>();
    for (const key of await listAll(store, RUNS_PREFIX)) {
      const runId = key.slice(RUNS_PREFIX.length).split(/[/.]/)[0];
      if (dryRun && droppedIds.has(runId)) continue;
      texts.set(key, (await backend.getBytes(key))?.toString('utf8') ?? '');
    }
    return texts;
  };
  const namedRecords = (texts: Map<string, string>): Set<string> => {
    const named = new Set<string>();
    for (const text of texts.values()) {
      for (const m of text.matchAll(/"cacheKey"\s*:\s*"(sha256:[0-9a-f]{64})"/g)) named.add(recordKey(m[1] as Hash));
    }
    return named;
  };
  const liveRecords = namedRecords(await readRuns());
  await opts.onPhase?.('listed');
  let recordsDeleted = 0;
  /** The bytes of each record this gc deleted, to restore one a run starts reusing before the sweep. */
  const deletedRecords = new Map<string, Buffer>();
  for (const key of await listAll(store, RECORDS_PREFIX)) {
    if (liveRecords.has(key)) continue;
    const bytes = dryRun ? undefined : await backend.getBytes(key);
    if (await remove(key)) {
      recordsDeleted++;
      if (bytes) deletedRecords.set(key, bytes);
    }
  }
  await opts.onPhase?.('records');

  // 3. Restore the records a run began to reuse meanwhile, then mark from everything that remains (records
  //    re-listed after the restores, so they and records written meanwhile count).
  const runTexts = await readRuns();
  let recordsRestored = 0;
  for (const key of namedRecords(runTexts)) {
    const bytes = deletedRecords.get(key);
    if (!bytes) continue;
    await backend.putBytes(key, bytes, 'replace');
    recordsDeleted--;
    recordsRestored++;
    bytesFreed -= bytes.length;
  }
  await opts.onPhase?.('restored');
  const roots: string[] = [];
  for (const key of await listAll(store, RECORDS_PREFIX)) roots.push(key);
  for (const prefix of ROOT_PREFIXES) roots.push(...(await listAll(store, prefix)));
  const live = new Set<Hash>();
  const queue: Hash[] = [];
  const mark = (h: Hash): void => {
    if (!live.has(h)) {
      live.add(h);
      queue.push(h);
    }
  };
  for (const text of runTexts.values()) hashesIn(text).forEach(mark);
  for (const key of roots) {
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
  await opts.onPhase?.('marked');
  let blobsDeleted = 0;
  for (const key of await listAll(store, 'cas/sha256/')) {
    const h = `sha256:${key.slice('cas/sha256/'.length)}` as Hash;
    if (!live.has(h) && (await remove(key))) blobsDeleted++;
  }
  return { dryRun, runsKept: kept.length, runsDeleted, recordsDeleted, recordsRestored, blobsDeleted, bytesFreed };
}

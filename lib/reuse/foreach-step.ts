/**
 * The two tasks of a foreach step that the lookup function runs: the plan (which items missed the cache,
 * as one blob of item jobs) and the gather (the items' outputs as one directory per output, and the
 * tolerance check).
 *
 * No item list travels in the state machine: the plan returns a count and a blob hash, and the gather
 * reads the item records from the store.
 */
import { RunFailedError } from '../errors';
import type { ForeachIR } from '../ir';
import {
  planAttemptSeconds,
  readStepRecord,
  recordKey,
  reusedItemsKey,
  runItemKey,
  runKey,
  writeStepRecord,
  type FailedItem,
  type ForeachPlan,
  type ItemCounts,
  type JobSpec,
  type ManifestStep,
  type Metric,
  type StepRecord,
  type StepRunDocument,
} from '../protocol';
import { canonicalJson, encodeTreeListing, makeTreeListing, REGULAR_MODE, EXECUTABLE_MODE } from '../store';
import type { ArtifactRef, ArtifactStore, Hash, TreeEntry } from '../store';
import { outputsPresent, type ResolvedItem, type ResolvedKey } from './key-resolver';

/** The output of every foreach step listing its items (see lib/spec/foreach.ts). */
export const ITEMS_OUTPUT = 'items';

/** What the plan and the gather need about the step and the run. */
export interface ForeachContext {
  readonly store: ArtifactStore;
  readonly pipeline: string;
  readonly runId: string;
  readonly step: ManifestStep;
  readonly resolved: ResolvedKey;
  /** Whether item records may be reused (`cache` and not `--no-cache`). */
  readonly useCache: boolean;
  /** Checks a hit's outputs; throws when they are damaged. */
  readonly verify: (record: StepRecord) => Promise<void>;
  readonly onWarning?: (message: string) => void;
}

/** The plan's outcome: the number of jobs to submit (the array size) and the plan blob. */
export interface ForeachPlanResult {
  /** The array size: the jobs to run, or maxConcurrency when there are more. */
  readonly jobs: number;
  readonly plan: Hash;
  readonly misses: number;
  /** The jobs' Batch attempt duration: the step's timeout per item of the busiest child. */
  readonly attemptSeconds: number;
}

/** Finds the items that missed the cache and stores one JobSpec per item and the plan that groups them into jobs. */
export async function planForeach(ctx: ForeachContext): Promise<ForeachPlanResult> {
  const { store, step, resolved } = ctx;
  const items = resolved.items ?? [];
  const found = await Promise.all(items.map((it) => (ctx.useCache ? usableRecord(ctx, it) : Promise.resolve(undefined))));
  const hits = await claimHits(ctx, items, found);
  const missed = items.filter((_, i) => hits[i] === undefined);
  const jobHashes = await Promise.all(missed.map((it) => store.putBytes(Buffer.from(canonicalJson(itemJob(ctx, it)), 'utf8'))));
  const { batch: size, maxConcurrency } = step.foreach as ForeachIR;
  const batches: Hash[][] = [];
  for (let i = 0; i < jobHashes.length; i += size) batches.push(jobHashes.slice(i, i + size));
  // maxConcurrency M: an array of M children, child k running jobs k, k + M, … one after another.
  const children = maxConcurrency > 0 ? Math.min(maxConcurrency, batches.length) : batches.length;
  const plan: ForeachPlan = { v: 1, kind: 'foreach', step: step.name, runId: ctx.runId, batches, ...(children < batches.length ? { children } : {}) };
  const hash = await store.putBytes(Buffer.from(canonicalJson(plan), 'utf8'));
  return { jobs: children, plan: hash, misses: missed.length, attemptSeconds: planAttemptSeconds(plan, step.timeoutSeconds) };
}

async function usableRecord(ctx: ForeachContext, it: ResolvedItem): Promise<StepRecord | undefined> {
  try {
    const record = await readStepRecord(ctx.store, it.key);
    if (record) await ctx.verify(record);
    return record;
  } catch (err) {
    ctx.onWarning?.(`Step '${ctx.step.name}' item ${it.item.name}: the stored record ${it.key} is damaged (${(err as Error).message}); re-running the item.`);
    return undefined;
  }
}

/** What `reusedItemsKey` holds: each reused item's key and record, as the plan found them. */
interface ReusedItems {
  readonly v: 1;
  readonly items: readonly { readonly cacheKey: Hash; readonly record: StepRecord }[];
}

/**
 * Names the hit items in this run (their keys and records) before they are reused, then keeps the hits whose
 * record is still there: the per-item form of the lookup's check against `pipewright gc` (lib/gc/collect.ts).
 * A record gone by then was taken by a gc that may sweep its blobs, so that item runs instead.
 */
async function claimHits(ctx: ForeachContext, items: readonly ResolvedItem[], found: readonly (StepRecord | undefined)[]): Promise<(StepRecord | undefined)[]> {
  const claim = (keep: (i: number) => boolean): ReusedItems => ({
    v: 1,
    items: items.flatMap((it, i) => (found[i] && keep(i) ? [{ cacheKey: it.key, record: found[i] }] : [])),
  });
  const all = claim(() => true);
  if (all.items.length === 0) return [...found];
  const key = reusedItemsKey(ctx.runId, ctx.step.name);
  await ctx.store.putJson(key, all);
  const present = await Promise.all(items.map((it, i) => (found[i] ? ctx.store.hasDocument(recordKey(it.key)) : Promise.resolve(false))));
  const hits = found.map((r, i) => (present[i] ? r : undefined));
  const lost = items.filter((_, i) => found[i] && !present[i]);
  if (lost.length > 0) {
    // The gather must not take a lost item's old record from the claim: it runs now.
    await ctx.store.putJson(key, claim((i) => present[i]));
    for (const it of lost) {
      ctx.onWarning?.(`Step '${ctx.step.name}' item ${it.item.name}: its stored record ${it.key} was removed (by pipewright gc) while being reused; re-running the item.`);
    }
  }
  return hits;
}

function itemJob(ctx: ForeachContext, it: ResolvedItem): JobSpec {
  const { step } = ctx;
  return {
    v: 1,
    pipeline: ctx.pipeline,
    runId: ctx.runId,
    step: step.name,
    key: it.key,
    keyDocument: it.doc,
    code: step.code,
    command: step.command,
    env: step.env,
    inputs: it.doc.inputs,
    params: it.doc.params,
    outputs: step.outputs,
    gpus: step.compute.gpus,
    item: it.item,
  };
}

/** The most failed items a step accepts out of `total`. */
export function toleratedFailures(foreach: ForeachIR, total: number): number {
  return foreach.tolerate.kind === 'count' ? foreach.tolerate.count : Math.floor((foreach.tolerate.percent * total) / 100);
}

/** What the gather found. */
export interface GatherResult {
  readonly record?: StepRecord;
  readonly document: StepRunDocument;
}

/**
 * Reads every item's record, builds one directory per output (an entry per finished item, named after it,
 * in item order) and the `items` list, and writes the step's record and run document.
 *
 * Throws RunFailedError when more items failed than the step tolerates (after writing the run document;
 * the finished items keep their records, so a re-run reuses them).
 */
export async function gatherForeach(ctx: ForeachContext, startedAt: Date): Promise<GatherResult> {
  const { store, step, resolved, runId } = ctx;
  const items = resolved.items ?? [];
  const records = await withClaimedRecords(ctx, await Promise.all(items.map((it) => readStepRecord(store, it.key))));
  const failedItems: FailedItem[] = [];
  await Promise.all(
    items.map(async (it, i) => {
      if (records[i]) return;
      const doc = await store.getJson<StepRunDocument>(runItemKey(runId, step.name, it.item.index)).catch(() => undefined);
      const error = doc?.error ?? 'the item did not run (its job was not started, or was stopped)';
      failedItems.push({ index: it.item.index, name: it.item.name, error });
    }),
  );
  failedItems.sort((a, b) => a.index - b.index);
  const counts: ItemCounts = {
    total: items.length,
    ran: records.filter((r) => r?.runId === runId).length,
    reused: records.filter((r) => r !== undefined && r.runId !== runId).length,
    failed: failedItems.length,
  };
  const durationMs = Math.round(Date.now() - startedAt.getTime());
  const itemsList = items.map((it, i) => ({
    index: it.item.index,
    name: it.item.name,
    status: records[i] ? 'ok' : 'failed',
    key: it.key,
    ...(records[i] ? {} : { error: failedItems.find((f) => f.index === it.item.index)!.error }),
  }));
  const allowed = toleratedFailures(step.foreach as ForeachIR, items.length);
  const tolerated = failedItems.length <= allowed;
  const metrics: Metric[] = [
    { name: 'items', value: counts.total },
    { name: 'items_failed', value: counts.failed },
  ];
  if (!tolerated) {
    const document: StepRunDocument = {
      step: step.name,
      status: 'failed',
      cacheKey: resolved.key,
      outputs: {},
      metrics,
      durationMs,
      startedAt: startedAt.toISOString(),
      error: failureMessage(step.name, failedItems, items.length, allowed),
      items: counts,
      failedItems,
    };
    await store.putJson(runKey(runId, step.name), document);
    throw new RunFailedError(document.error!, step.name);
  }

  const outputs: Record<string, ArtifactRef> = {};
  for (const output of step.outputs) {
    const entries = await Promise.all(
      items.flatMap((it, i) => {
        const r = records[i];
        return r ? [entryOf(store, it.item.name, r, output)] : [];
      }),
    );
    outputs[output] = `tree:${await store.putBytes(encodeTreeListing(makeTreeListing(entries)))}`;
  }
  outputs[ITEMS_OUTPUT] = await store.putBytes(Buffer.from(`${JSON.stringify(itemsList, null, 2)}\n`, 'utf8'));
  const empty = await store.putBytes(new Uint8Array(0));
  const itemsMs = records.reduce((sum, r) => sum + (r?.runId === runId ? r.durationMs : 0), 0);
  const record: StepRecord = {
    v: 1,
    key: resolved.key,
    keyDocument: resolved.doc,
    step: step.name,
    pipeline: ctx.pipeline,
    runId,
    outputs,
    metrics,
    stdout: empty,
    stderr: empty,
    startedAt: startedAt.toISOString(),
    durationMs: records.reduce((sum, r) => sum + (r?.durationMs ?? 0), 0),
    ...(failedItems.length > 0 ? { failedItems } : {}),
  };
  const document: StepRunDocument = {
    step: step.name,
    status: counts.ran > 0 || counts.failed > 0 ? 'ran' : 'reused',
    cacheKey: resolved.key,
    outputs,
    metrics,
    durationMs: Math.max(durationMs, 0),
    startedAt: startedAt.toISOString(),
    ...(counts.ran === 0 && counts.failed === 0 ? { savedMs: record.durationMs - itemsMs } : {}),
    items: counts,
    ...(failedItems.length > 0 ? { failedItems } : {}),
  };
  await Promise.all([writeStepRecord(store, record), store.putJson(runKey(runId, step.name), document)]);
  return { record, document };
}

/**
 * Fills in, from the plan's claim, the reused items whose record is missing: `pipewright gc` deleted it after the
 * plan's check and restores it before its sweep (lib/gc/collect.ts), so for a moment only the claim holds it.
 */
async function withClaimedRecords(ctx: ForeachContext, records: (StepRecord | undefined)[]): Promise<(StepRecord | undefined)[]> {
  const items = ctx.resolved.items ?? [];
  if (records.every((r) => r !== undefined)) return records;
  const claim = await ctx.store.getJson<ReusedItems>(reusedItemsKey(ctx.runId, ctx.step.name)).catch(() => undefined);
  const claimed = new Map((claim?.items ?? []).map((c) => [c.cacheKey, c.record]));
  return Promise.all(
    records.map(async (r, i) => {
      const c = r ?? claimed.get(items[i].key);
      if (r || !c) return r;
      return (await outputsPresent(ctx.store, c.outputs)) ? c : undefined;
    }),
  );
}

async function entryOf(store: ArtifactStore, name: string, record: StepRecord, output: string): Promise<TreeEntry> {
  const ref = record.outputs[output];
  if (ref.startsWith('tree:')) return { name, type: 'tree', mode: EXECUTABLE_MODE, hash: ref.slice('tree:'.length) as Hash };
  const size = record.sizes?.[output] ?? (await store.getBytes(ref as Hash)).length;
  return { name, type: 'file', mode: REGULAR_MODE, hash: ref as Hash, size };
}

function failureMessage(step: string, failed: readonly FailedItem[], total: number, allowed: number): string {
  const shown = failed.slice(0, 5).map((f) => `  item ${f.name} (#${f.index}): ${f.error.split('\n')[0]}`);
  const more = failed.length > shown.length ? [`  … and ${failed.length - shown.length} more`] : [];
  return (
    `Step '${step}' failed: ${failed.length} of ${total} items failed, more than it tolerates (${allowed}); ` +
    `the ${total - failed.length} finished items are kept and a re-run reuses them. Raise "tolerate" or fix the items:\n` +
    [...shown, ...more].join('\n')
  );
}

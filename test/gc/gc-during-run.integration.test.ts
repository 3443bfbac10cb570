/**
 * Issue 8 §7: `pipewright gc` is safe while runs are executing. A lookup hit that writes its run document
 * while a gc deletes the record it read is driven through each interleaving (gc's `onPhase` hook plus a store
 * wrapper that pauses the lookup; every call still reaches the real store: filesystem, or s3rver on loopback).
 * The step is either reused with its record and blobs intact, or run again; it never fails, and no record is
 * left naming a missing blob.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDocument } from '../../lib/engine';
import { collectGarbage, type GcPhase, type GcReport } from '../../lib/gc';
import { buildManifest } from '../../lib/manifest';
import {
  RECORDS_PREFIX,
  readStepRecord,
  recordKey,
  reusedItemsKey,
  runKey,
  writeStepRecord,
  type LookupResult,
  type StepRecord,
  type StepRunDocument,
} from '../../lib/protocol';
import { createLookupHandler } from '../../lib/reuse';
import { resolveParameters, loadPipeline } from '../../lib/spec';
import { createFsStore, createS3Store, type CasStore, type Hash } from '../../lib/store';
import { makeProject } from '../engine/support';
import { startS3rver, type S3Server } from '../support/s3-servers';
import { PIPELINE } from './fixtures/pruned-pipeline';

/** Where the lookup's run document lands relative to gc, and when its record check runs. */
interface Interleaving {
  readonly name: string;
  /** The gc phase after which the lookup's run document is written. */
  readonly writeAfter: GcPhase;
  /** 'before-restore': the check runs before gc goes on; 'after-gc': once gc has finished. */
  readonly check: 'before-restore' | 'after-gc';
  readonly expect: 'reused' | 'ran';
}

const INTERLEAVINGS: readonly Interleaving[] = [
  { name: 'run document before gc lists runs: the record is live', writeAfter: 'runs', check: 'after-gc', expect: 'reused' },
  { name: 'run document after the record is deleted, checked after gc: restored and reused', writeAfter: 'records', check: 'after-gc', expect: 'reused' },
  { name: 'run document after the record is deleted, checked before the restore: the step runs', writeAfter: 'records', check: 'before-restore', expect: 'ran' },
  { name: 'run document after gc re-lists runs: the record stays deleted and the step runs', writeAfter: 'restored', check: 'after-gc', expect: 'ran' },
];

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A store wrapper (a test hook, not a mock: every call reaches `store`) that, on the first write of the run
 * document `docKey`, starts a gc paused after `writeAfter`, writes the document there, and holds the lookup's
 * presence checks of `record` as `check` says (the first of them, for 'before-restore'). `gc` resolves to the gc's report.
 */
function interleavingStore(
  store: CasStore,
  docKey: string,
  record: string | ((key: string) => boolean),
  how: Interleaving,
): { store: CasStore; gc: () => Promise<GcReport> } {
  const isRecord = typeof record === 'string' ? (key: string) => key === record : record;
  const reached = deferred();
  const proceed = deferred();
  let gc: Promise<GcReport> | undefined;
  let written = false;
  let checked = false;
  const onPhase = async (phase: GcPhase): Promise<void> => {
    if (phase !== how.writeAfter) return;
    reached.resolve();
    await proceed.promise;
  };
  const wrapped = Object.create(store) as CasStore;
  wrapped.putJson = async (key: string, value: unknown): Promise<void> => {
    if (key !== docKey || written) return store.putJson(key, value);
    gc = collectGarbage(store, { keepLast: 0, graceMs: -60_000, onPhase });
    await reached.promise;
    await store.putJson(key, value);
    written = true;
  };
  wrapped.hasDocument = async (key: string): Promise<boolean> => {
    if (!written || !isRecord(key)) return store.hasDocument(key);
    if (how.check === 'before-restore') {
      if (checked) return store.hasDocument(key);
      checked = true;
      const present = await store.hasDocument(key);
      proceed.resolve();
      return present;
    }
    proceed.resolve();
    await gc;
    return store.hasDocument(key);
  };
  return {
    store: wrapped,
    gc: () => {
      proceed.resolve();
      return gc ?? Promise.reject(new Error('the lookup never wrote its run document, so gc never started'));
    },
  };
}

/** Every record in the store names only blobs that are present (readStepRecord checks them); returns the count. */
async function recordsIntact(store: CasStore): Promise<number> {
  const keys = await store.list(RECORDS_PREFIX);
  for (const key of keys) {
    const record = await store.getJson<StepRecord>(key);
    expect(record, key).toBeDefined();
    expect(await readStepRecord(store, record!.key), `${key} names a missing blob`).toBeDefined();
  }
  return keys.length;
}

let dir: string;
let pipelineFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-gc-run-'));
  pipelineFile = join(dir, 'one.yaml');
  await writeFile(pipelineFile, `name: one\nsteps:\n  make:\n    command: [sh, -c, 'echo made > "$PW_OUTPUT_O"']\n    outputs: [o]\n`);
  await writeFile(
    join(dir, 'two.yaml'),
    `name: two\nsteps:\n  make:\n    command: [sh, -c, 'echo made > "$PW_OUTPUT_O"']\n    outputs: [o]\n` +
      `  use:\n    command: [sh, -c, 'cat "$PW_INPUT_I" > "$PW_OUTPUT_O"']\n    inputs: { i: make.o }\n    outputs: [o]\n`,
  );
  await writeFile(
    join(dir, 'each.yaml'),
    `name: each\nparameters:\n  xs: { type: list, default: [a, b, c] }\nsteps:\n  each:\n    foreach: params.xs\n` +
      `    command: [sh, -c, 'echo "$PW_ITEM" > "$PW_OUTPUT_O"']\n    outputs: [o]\n`,
  );
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Stores a record for `key` as a finished run of `make` would, with output `o` = `content`. */
async function recordMake(store: CasStore, key: Hash, content = 'made\n'): Promise<Hash> {
  const out = await store.putBytes(Buffer.from(content));
  const empty = await store.putBytes(Buffer.alloc(0));
  await writeStepRecord(store, {
    v: 1, key, keyDocument: {} as never, step: 'make', pipeline: 'one', runId: 'old', outputs: { o: out },
    metrics: [], stdout: empty, stderr: empty, startedAt: new Date().toISOString(), durationMs: 1,
  } as StepRecord);
  return out;
}

/**
 * GIVEN a record of `make` that no kept run names, and a hit on it checked before gc deletes it
 * WHEN the downstream step's lookup (a separate handler, as another Lambda invocation) comes while gc has deleted
 *      the record and not yet restored it
 * THEN the downstream lookup takes make's outputs from the run's step document, and gc restores the record.
 */
async function downstreamDuringRestore(store: CasStore): Promise<void> {
  const { hash } = await buildManifest(await loadPipeline(join(dir, 'two.yaml')), store);
  const request = (s: string, x: string) => ({ s, i: { p: {}, n: false, m: hash, x } });
  const key = (await createLookupHandler({ store })(request('make', 'exec:old'))).key!;
  const out = await recordMake(store, key);
  const listed = deferred();
  const checked = deferred();
  const deleted = deferred();
  const downstreamDone = deferred();
  const onPhase = async (phase: GcPhase): Promise<void> => {
    if (phase === 'listed') {
      listed.resolve();
      await checked.promise;
    }
    if (phase === 'records') {
      deleted.resolve();
      await downstreamDone.promise;
    }
  };
  let gc: Promise<GcReport> | undefined;
  const wrapped = Object.create(store) as CasStore;
  wrapped.putJson = async (k: string, value: unknown): Promise<void> => {
    if (k === runKey('new', 'make') && !gc) {
      gc = collectGarbage(store, { keepLast: 0, graceMs: -60_000, onPhase });
      await listed.promise;
    }
    return store.putJson(k, value);
  };
  wrapped.hasDocument = async (k: string): Promise<boolean> => {
    const present = await store.hasDocument(k);
    if (k === recordKey(key)) checked.resolve();
    return present;
  };
  const hit = await createLookupHandler({ store: wrapped })(request('make', 'exec:new'));
  expect(hit).toMatchObject({ run: false, outputs: { o: out } });
  await deleted.promise;
  expect(await store.hasDocument(recordKey(key)), 'gc has deleted the record').toBe(false);
  const downstream = await createLookupHandler({ store })(request('use', 'exec:new'));
  downstreamDone.resolve();
  expect(downstream.run).toBe(true);
  const report = await gc!;
  expect(report.recordsRestored).toBe(1);
  expect(await readStepRecord(store, key)).toBeDefined();
  expect((await store.getBytes(out)).toString()).toBe('made\n');
  await recordsIntact(store);
}

/**
 * GIVEN a record of step `make` (as an earlier run left it) that no kept run names
 * WHEN a new execution's lookup hits it while gc runs, interleaved as `how` says
 * THEN the lookup reuses it (record and output intact) or asks to run the step; the store stays consistent.
 */
async function lookupDuringGc(store: CasStore, how: Interleaving): Promise<void> {
  const ir = await loadPipeline(pipelineFile);
  const { hash } = await buildManifest(ir, store);
  const request = (x: string) => ({ s: 'make', i: { p: {}, n: false, m: hash, x } });
  const miss = await createLookupHandler({ store })(request('exec:old'));
  expect(miss.run).toBe(true);
  const key = miss.key!;
  const out = await recordMake(store, key);

  const hook = interleavingStore(store, runKey('new', 'make'), recordKey(key), how);
  const warnings: string[] = [];
  const result: LookupResult = await createLookupHandler({ store: hook.store, onWarning: (m) => warnings.push(m) })(request('exec:new'));
  const report = await hook.gc();

  expect(result.key).toBe(key);
  if (how.expect === 'reused') {
    expect(result.run).toBe(false);
    expect(result.outputs).toEqual({ o: out });
    expect(await readStepRecord(store, key)).toBeDefined();
    expect((await store.getBytes(out)).toString()).toBe('made\n');
    expect(report.recordsRestored).toBe(how.writeAfter === 'records' ? 1 : 0);
  } else {
    expect(result.run).toBe(true);
    expect(result.job).toMatch(/^sha256:/);
    expect(warnings.join('\n')).toMatch(/record .* was removed \(by pipewright gc\) while being reused; re-running the step/);
  }
  await recordsIntact(store);
}

/**
 * GIVEN records of the three items of foreach step `each` that no kept run names
 * WHEN a new execution's plan claims them as hits while gc runs (interleaved as `how` says, or, with `how`
 *      undefined, gc deleting the records after the plan's check and the gather coming before the restore)
 * THEN the items are reused with their records and blobs intact, or planned to run; the store stays consistent.
 */
async function foreachDuringGc(store: CasStore, how: Interleaving | undefined): Promise<void> {
  const { hash } = await buildManifest(await loadPipeline(join(dir, 'each.yaml')), store);
  const request = (x: string) => ({ s: 'each', i: { p: { xs: ['a', 'b', 'c'] }, n: false, m: hash, x } });
  const old = await createLookupHandler({ store })(request('exec:old'));
  const plan = JSON.parse((await store.getBytes(old.job!)).toString()) as { batches: Hash[][] };
  const keys: Hash[] = [];
  for (const job of plan.batches.flat()) keys.push((JSON.parse((await store.getBytes(job)).toString()) as { key: Hash }).key);
  expect(keys).toHaveLength(3);
  const outs: Hash[] = [];
  for (const key of keys) outs.push(await recordMake(store, key, `item ${key}\n`));
  const claim = reusedItemsKey('new', 'each');
  const isItemRecord = (k: string): boolean => keys.some((key) => k === recordKey(key));

  let result: LookupResult;
  let report: GcReport;
  let gathered: StepRunDocument | undefined;
  if (how) {
    const hook = interleavingStore(store, claim, isItemRecord, how);
    const warns: string[] = [];
    result = await createLookupHandler({ store: hook.store, onWarning: (m) => warns.push(m) })(request("exec:new"));
    if (process.env.DBG) console.log("DBG", warns, await store.list(RECORDS_PREFIX));
    report = await hook.gc();
  } else {
    const listed = deferred();
    const checked = deferred();
    const deleted = deferred();
    const gatherDone = deferred();
    let checks = 0;
    let gc: Promise<GcReport> | undefined;
    const onPhase = async (phase: GcPhase): Promise<void> => {
      if (phase === 'listed') {
        listed.resolve();
        await checked.promise;
      }
      if (phase === 'records') {
        deleted.resolve();
        await gatherDone.promise;
      }
    };
    const wrapped = Object.create(store) as CasStore;
    wrapped.putJson = async (k: string, value: unknown): Promise<void> => {
      if (k === claim && !gc) {
        gc = collectGarbage(store, { keepLast: 0, graceMs: -60_000, onPhase });
        await listed.promise;
      }
      return store.putJson(k, value);
    };
    wrapped.hasDocument = async (k: string): Promise<boolean> => {
      const present = await store.hasDocument(k);
      if (isItemRecord(k) && ++checks === keys.length) checked.resolve();
      return present;
    };
    result = await createLookupHandler({ store: wrapped })(request('exec:new'));
    await deleted.promise;
    expect(await Promise.all(keys.map((k) => store.hasDocument(recordKey(k)))), 'gc has deleted the item records').toEqual([false, false, false]);
    await createLookupHandler({ store })({ s: 'each', g: true, i: { ...request('exec:new').i, c: result } });
    gathered = await store.getJson<StepRunDocument>(runKey('new', 'each'));
    gatherDone.resolve();
    report = await gc!;
  }
  if (how?.expect === 'ran') {
    expect(result).toMatchObject({ run: true, jobs: 3 });
  } else {
    expect(result).toMatchObject({ run: true, jobs: 0 });
    expect(report.recordsRestored).toBe(how?.writeAfter === 'runs' ? 0 : 3);
    for (const [i, key] of keys.entries()) {
      expect(await readStepRecord(store, key)).toBeDefined();
      expect((await store.getBytes(outs[i])).toString()).toBe(`item ${key}\n`);
    }
    if (!how) expect(gathered).toMatchObject({ status: 'reused', items: { total: 3, ran: 0, reused: 3, failed: 0 } });
  }
  await recordsIntact(store);
}

describe('a foreach plan claiming reused items while gc runs', () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startS3rver();
  });
  afterAll(async () => srv?.stop());
  const cases: Array<Interleaving | undefined> = [...INTERLEAVINGS.filter((h) => h.check === 'after-gc'), undefined];
  cases.forEach((how, i) => {
    const name = how?.name ?? 'claim checked before gc deletes the records, gather before the restore: reused from the claim';
    it(`filesystem: ${name}`, async () => {
      const location = await mkdtemp(join(tmpdir(), 'pw-gc-race-'));
      try {
        await foreachDuringGc(createFsStore(location), how);
      } finally {
        await rm(location, { recursive: true, force: true });
      }
    }, 30_000);
    it(`s3rver: ${name}`, async () => {
      await foreachDuringGc(createS3Store({ bucket: srv.bucket, prefix: `each-${i}`, client: srv.client() }), how);
    }, 30_000);
  });
});

describe('a lookup hit racing gc on a filesystem store', () => {
  for (const how of INTERLEAVINGS) {
    it(how.name, async () => {
      const location = await mkdtemp(join(tmpdir(), 'pw-gc-race-'));
      try {
        await lookupDuringGc(createFsStore(location), how);
      } finally {
        await rm(location, { recursive: true, force: true });
      }
    }, 30_000);
  }
  it('a downstream lookup while gc has deleted the reused record and not yet restored it', async () => {
    const location = await mkdtemp(join(tmpdir(), 'pw-gc-race-'));
    try {
      await downstreamDuringRestore(createFsStore(location));
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('a lookup hit racing gc on an S3 store (s3rver)', () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startS3rver();
  });
  afterAll(async () => srv?.stop());

  INTERLEAVINGS.forEach((how, i) => {
    it(how.name, async () => {
      await lookupDuringGc(createS3Store({ bucket: srv.bucket, prefix: `race-${i}`, client: srv.client() }), how);
    }, 30_000);
  });
  it('a downstream lookup while gc has deleted the reused record and not yet restored it', async () => {
    await downstreamDuringRestore(createS3Store({ bucket: srv.bucket, prefix: 'downstream', client: srv.client() }));
  }, 30_000);
});

describe('a local run reusing a step while gc runs (real step processes, filesystem store)', () => {
  for (const how of INTERLEAVINGS.filter((h) => h.check === 'after-gc' && h.writeAfter !== 'runs')) {
    it(`${how.name}; the run succeeds`, async () => {
      const p = await makeProject('pw-gc-run-');
      try {
        await p.write('pipeline.yaml', PIPELINE);
        const ir = await p.load();
        const first = await p.run(ir, { parameters: resolveParameters(ir, { n: 7 }) });
        expect(first.doc.status).toBe('succeeded');
        const store = p.store as CasStore;
        const makeKey = first.doc.steps.make.cacheKey as Hash;
        const runId = 'run-during-gc';
        const hook = interleavingStore(store, runKey(runId, 'make'), recordKey(makeKey), how);
        const { doc } = await p.run(ir, { store: hook.store, runId, parameters: resolveParameters(ir, { n: 7 }) });
        await hook.gc();
        expect(doc.status, JSON.stringify(doc.steps)).toBe('succeeded');
        expect(doc.steps.make.status).toBe(how.expect);
        const again: RunDocument = (await p.run(ir, { parameters: resolveParameters(ir, { n: 7 }) })).doc;
        expect(again.steps.make.status).toBe('reused');
        expect(again.steps.use.status).toBe('reused');
        const outRef = again.steps.use.outputs?.o as Hash;
        expect((await store.getBytes(outRef)).toString()).toBe('7 1\n7 2\n7 3\n');
        expect(await recordsIntact(store)).toBe(2);
      } finally {
        await p.cleanup();
      }
    }, 60_000);
  }
});

/**
 * Issue 8 §7: `pipewright gc` prunes a store to the runs worth keeping, with --dry-run, on the filesystem and
 * on S3 (s3rver), and a gc SIGKILLed at several points never leaves a record naming a missing blob.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../lib/gc';
import { readStepRecord, RECORDS_PREFIX, writeStepRecord, type StepRecord } from '../../lib/protocol';
import { createFsStore, createS3Store, type CasStore, type Hash } from '../../lib/store';
import { startS3rver, type S3Server } from '../support/s3-servers';
import { resolveParameters } from '../../lib/spec';
import { makeProject, type Project } from '../engine/support';
import { PIPELINE } from './fixtures/pruned-pipeline';

const BIN = resolve(__dirname, '../../bin/pipewright');
const CHILD = fileURLToPath(new URL('./fixtures/gc-child.ts', import.meta.url));
const run = promisify(execFile);


/** Every record in the store names only blobs that are present (readStepRecord checks them). */
async function recordsIntact(store: CasStore): Promise<number> {
  const keys = await store.list(RECORDS_PREFIX);
  for (const key of keys) {
    const record = await store.getJson<StepRecord>(key);
    expect(record, key).toBeDefined();
    expect(await readStepRecord(store, record!.key), `${key} names a missing blob`).toBeDefined();
  }
  return keys.length;
}

let p: Project;
let runIds: string[];
beforeAll(async () => {
  p = await makeProject('pw-gc-');
  await p.write('pipeline.yaml', PIPELINE);
  const ir = await p.load();
  runIds = [];
  for (const n of [1, 2, 3, 4]) runIds.push((await p.run(ir, { parameters: resolveParameters(ir, { n }) })).doc.runId);
}, 120_000);
afterAll(async () => p?.cleanup());

async function copyOfStore(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-gc-copy-'));
  await cp(join(p.dir, '.pipewright'), join(dir, 'store'), { recursive: true });
  return join(dir, 'store');
}

describe('pipewright gc on a filesystem store', () => {
  it('--dry-run reports what it would free and deletes nothing; a real gc keeps the last run and what it needs', async () => {
    const location = await copyOfStore();
    const before = (await readdir(join(location, 'cas', 'sha256'))).length;
    const dry = await run(process.execPath, [BIN, 'gc', '--store', location, '--keep-last', '1', '--grace', '0', '--dry-run', '--json']);
    const report = JSON.parse(dry.stdout);
    expect(report).toMatchObject({ dryRun: true, runsKept: 1, runsDeleted: 3, recordsDeleted: 6 });
    expect(report.blobsDeleted).toBeGreaterThan(0);
    expect((await readdir(join(location, 'cas', 'sha256'))).length).toBe(before);

    const real = await run(process.execPath, [BIN, 'gc', '--store', location, '--keep-last', '1', '--grace', '0']);
    expect(real.stdout).toMatch(/kept 1 run\(s\); deleted 3 run\(s\), 6 record\(s\), \d+ blob\(s\)/);
    const store = createFsStore(location);
    expect(await recordsIntact(store)).toBe(2);
    expect((await readdir(join(location, 'cas', 'sha256'))).length).toBe(before - report.blobsDeleted);
    // The kept run still reads and its artifacts still materialize; the next run of it is reused.
    const out = await run(process.execPath, [BIN, 'get', runIds[3], 'use.o', '-', '--store', location]);
    expect(out.stdout).toBe('4 1\n4 2\n4 3\n');
    const show = await run(process.execPath, [BIN, 'runs', '--store', location]);
    expect(show.stdout).toContain(runIds[3]);
    expect(show.stdout).not.toContain(runIds[0]);
    await rm(resolve(location, '..'), { recursive: true, force: true });
  }, 60_000);

  it('keeps everything within the grace period, and runs newer than --newer-than', async () => {
    const location = await copyOfStore();
    const store = createFsStore(location);
    expect(await collectGarbage(store, { keepLast: 0 })).toMatchObject({ runsDeleted: 0, recordsDeleted: 0, blobsDeleted: 0 });
    expect(await collectGarbage(store, { keepLast: 0, graceMs: 0, newerThan: new Date(0) })).toMatchObject({ runsKept: 4, runsDeleted: 0 });
    await rm(resolve(location, '..'), { recursive: true, force: true });
  }, 60_000);

  it('a gc SIGKILLed at any of several points leaves every record intact, and the next gc finishes the job', async () => {
    for (const k of [1, 2, 4, 7, 9, 12, 20]) {
      const location = await copyOfStore();
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, location, String(k)], { stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
      const store = createFsStore(location);
      await recordsIntact(store);
      if (signal === 'SIGKILL') {
        const after = await collectGarbage(store, { keepLast: 1, graceMs: 0 });
        expect(after.runsKept).toBe(1);
      }
      expect(await recordsIntact(store)).toBe(2);
      await rm(resolve(location, '..'), { recursive: true, force: true });
    }
  }, 120_000);

  it('two gcs at once both finish and leave the store consistent', async () => {
    const location = await copyOfStore();
    const gc = () => run(process.execPath, [BIN, 'gc', '--store', location, '--keep-last', '2', '--grace', '0', '--json']);
    const [a, b] = await Promise.all([gc(), gc()]);
    expect(JSON.parse(a.stdout).runsKept + JSON.parse(b.stdout).runsKept).toBe(4);
    expect(await recordsIntact(createFsStore(location))).toBe(4);
    await rm(resolve(location, '..'), { recursive: true, force: true });
  }, 60_000);
});

describe('pipewright gc on an S3 store (s3rver)', () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startS3rver();
  });
  afterAll(async () => srv?.stop());

  it('deletes unreferenced records and blobs, keeps a pinned artifact and what records name', async () => {
    const store = createS3Store({ bucket: srv.bucket, prefix: 'gc', client: srv.client() });
    const put = (t: string): Promise<Hash> => store.putBytes(Buffer.from(t));
    const record = async (name: string, out: Hash): Promise<StepRecord> => {
      const r = {
        v: 1, key: await put(`key ${name}`), keyDocument: {} as never, step: name, pipeline: 'p', runId: `run-${name}`,
        outputs: { o: out }, metrics: [], stdout: await put(''), stderr: await put(''), startedAt: new Date().toISOString(), durationMs: 1,
      } as StepRecord;
      await writeStepRecord(store, r);
      return r;
    };
    const keptOut = await put('kept output');
    const dropOut = await put('dropped output');
    const pinned = await put('pinned artifact');
    const kept = await record('kept', keptOut);
    const dropped = await record('dropped', dropOut);
    await store.putJson('runs/run-kept.json', {
      runId: 'run-kept', pipeline: 'p', status: 'succeeded', parameters: {}, startedAt: new Date().toISOString(), durationMs: 1,
      steps: { kept: { status: 'ran', cacheKey: kept.key, outputs: { o: keptOut } } }, store: 's3', manifest: await put('{}'),
    });
    await store.putJson('pins/model.json', { ref: pinned });
    const report = await collectGarbage(store, { keepLast: 1, graceMs: -60_000 });
    expect(report.recordsDeleted).toBe(1);
    expect(await store.has(dropOut)).toBe(false);
    expect(await store.has(keptOut)).toBe(true);
    expect(await store.has(pinned)).toBe(true);
    expect(await readStepRecord(store, kept.key)).toBeDefined();
    expect(await readStepRecord(store, dropped.key)).toBeUndefined();
  }, 60_000);
});

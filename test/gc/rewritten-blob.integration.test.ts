/**
 * Issue 8 §7: a blob written again while `pipewright gc` sweeps is not deleted under the record that names it.
 * The store skips a write whose content is already present, so without a fresh time the old copy stays "old"
 * and `--grace` does not cover it; `refresh` re-stamps it (a file's time; S3: CopyObject onto itself). Each
 * case runs against a real store: the filesystem, and moto's S3 (and s3rver, where it behaves as S3) on loopback.
 */
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../lib/gc';
import { blobKey, createFsStore, createS3Store, hashBytes, type CasStore } from '../../lib/store';
import { motoAvailable, startMoto, startS3rver, type S3Server } from '../support/s3-servers';

const CONTENT = Buffer.from('a model nobody references any more\n');

/**
 * An unreferenced, old blob; gc pauses after marking (the blob is garbage by then); a step writes the same
 * content again; gc sweeps. The blob must survive, whole.
 */
async function rewriteDuringSweep(store: CasStore, age: () => Promise<void>, graceMs: number): Promise<void> {
  // GIVEN an old blob no record or run names
  const hash = await store.putBytes(CONTENT);
  await age();
  // WHEN a step stores the same content after gc has marked, before it sweeps
  const report = await collectGarbage(store, {
    graceMs,
    onPhase: async (phase) => {
      if (phase === 'marked') expect(await store.putBytes(CONTENT)).toBe(hash);
    },
  });
  // THEN gc kept it, and its bytes are intact
  expect(report.blobsDeleted).toBe(0);
  expect(await store.has(hash)).toBe(true);
  expect((await store.getBytes(hash)).equals(CONTENT)).toBe(true);
  // AND without that write, the same gc deletes it (the case is real garbage, not kept by something else)
  await age();
  expect((await collectGarbage(store, { graceMs })).blobsDeleted).toBe(1);
  expect(await store.has(hash)).toBe(false);
}

describe('a blob written again during gc', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pw-rewrite-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('filesystem store: the file gets a fresh time, so the grace period covers it', async () => {
    const store = createFsStore(join(dir, 'store'));
    const path = join(dir, 'store', blobKey(hashBytes(CONTENT)));
    const twoHoursAgo = (): Promise<void> => utimes(path, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    await rewriteDuringSweep(store, twoHoursAgo, 3_600_000);
    // A write of present content re-stamps it even when gc is not running.
    await store.putBytes(CONTENT);
    await twoHoursAgo();
    await store.putBytes(CONTENT);
    expect(Date.now() - (await stat(path)).mtimeMs).toBeLessThan(60_000);
  });

  for (const [name, start, enabled] of [
    ['s3rver', startS3rver, true],
    ['moto', startMoto, motoAvailable()],
  ] as const) {
    describe.skipIf(!enabled)(`S3 store on ${name}`, () => {
      let srv: S3Server;
      beforeAll(async () => {
        srv = await start();
      });
      afterAll(async () => {
        await srv?.stop();
      });

      // s3rver answers a copy onto itself without giving the object a new LastModified; S3 creates a new
      // object on every CopyObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html:
      // "Creates a copy of an object", with the copy's LastModified in CopyObjectResult), as moto does.
      it.skipIf(name === 's3rver')('a blob older than the refresh age is copied onto itself, so the grace period covers it', async () => {
        // S3's LastModified has one-second resolution and cannot be set: a 1 s grace, blobs aged by waiting,
        // and a refresh age of 0 (the default, 10 minutes, is what keeps the cost to one CopyObject per
        // blob per 10 minutes: `REFRESH_AFTER_MS`).
        const store = createS3Store({ bucket: srv.bucket, prefix: `rewrite-${name}`, client: srv.client(), refreshAfterMs: 0 });
        const wait = (): Promise<void> => new Promise((r) => setTimeout(r, 2_100));
        await rewriteDuringSweep(store, wait, 1_000);
      }, 30_000);

      it('gc warns when its grace is shorter than the refresh age, and not otherwise', async () => {
        const store = createS3Store({ bucket: srv.bucket, prefix: `warn-${name}`, client: srv.client() });
        const warnings: string[] = [];
        await collectGarbage(store, { graceMs: 60_000, onWarning: (m) => warnings.push(m) });
        expect(warnings.filter((w) => /grace of 1 minute/.test(w))).toHaveLength(1);
        warnings.length = 0;
        await collectGarbage(store, { onWarning: (m) => warnings.push(m) });
        expect(warnings.filter((w) => /grace/.test(w))).toEqual([]);
      }, 30_000);

      it('within the refresh age a present blob costs no copy', async () => {
        const store = createS3Store({ bucket: srv.bucket, prefix: `fresh-${name}`, client: srv.client() });
        const hash = await store.putBytes(CONTENT);
        const before = (await store.backend.stat(blobKey(hash)))!.modifiedAt.getTime();
        await new Promise((r) => setTimeout(r, 1_100));
        await store.putBytes(CONTENT);
        expect((await store.backend.stat(blobKey(hash)))!.modifiedAt.getTime()).toBe(before);
      }, 30_000);
    });
  }
});

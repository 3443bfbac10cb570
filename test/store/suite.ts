/**
 * The one store test suite: every ArtifactStore implementation (filesystem, S3 servers) must pass it.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, UsageError } from '../../lib/errors';
import { hashBytes, hashFile, type CasStore, type Hash } from '../../lib/store';
import { readStepRecord, type StepRecord, writeStepRecord } from '../../lib/protocol';

/** A store under test plus the few out-of-band operations the suite needs. */
export interface StoreHarness {
  readonly store: CasStore;
  /** Overwrites a blob's stored bytes behind the store's back (simulated disk or bucket corruption). */
  corrupt(hash: Hash, data: Uint8Array): Promise<void>;
  /** Deletes a blob behind the store's back. */
  deleteBlob(hash: Hash): Promise<void>;
  /** Write requests the backend has sent so far, by operation (PutObject, UploadPart, putFile, ...). */
  writes(): Readonly<Record<string, number>>;
  /** Releases the store (temp dirs, clients). */
  close(): Promise<void>;
}

/** Total write requests in a `writes()` snapshot. */
export function totalWrites(w: Readonly<Record<string, number>>): number {
  return Object.values(w).reduce((a, b) => a + b, 0);
}

/** Options of the suite. */
export interface StoreSuiteOptions {
  /** Size of the large-file test, in MiB (more than one 8 MiB part, so S3 uses multipart). @default 40 */
  readonly largeFileMiB?: number;
}

/** Registers the shared store tests for one implementation. */
export function describeStoreSuite(name: string, makeStore: () => Promise<StoreHarness>, options: StoreSuiteOptions = {}): void {
  const largeMiB = options.largeFileMiB ?? 40;
  describe(`ArtifactStore suite: ${name}`, () => {
    let h: StoreHarness;
    let work: string;

    beforeAll(async () => {
      h = await makeStore();
      work = await mkdtemp(join(tmpdir(), 'pw-store-suite-'));
    });
    afterAll(async () => {
      await h?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    const writesDuring = async (fn: () => Promise<unknown>): Promise<number> => {
      const before = totalWrites(h.writes());
      await fn();
      return totalWrites(h.writes()) - before;
    };

    async function makeTree(root: string, files: Record<string, string | { text: string; exec: true }>, emptyDirs: string[] = []) {
      for (const [rel, spec] of Object.entries(files)) {
        const p = join(root, rel);
        await mkdir(join(p, '..'), { recursive: true });
        await writeFile(p, typeof spec === 'string' ? spec : spec.text);
        await chmod(p, typeof spec === 'string' ? 0o644 : 0o755);
      }
      for (const d of emptyDirs) await mkdir(join(root, d), { recursive: true });
    }

    it('round-trips bytes under their SHA-256, including empty content', async () => {
      const data = Buffer.from('hello, store');
      const hash = await h.store.putBytes(data);
      expect(hash).toBe(hashBytes(data));
      expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await h.store.getBytes(hash)).toEqual(data);
      expect(await h.store.has(hash)).toBe(true);
      expect(await h.store.has(hashBytes('never stored'))).toBe(false);
      const empty = await h.store.putBytes(new Uint8Array(0));
      expect((await h.store.getBytes(empty)).length).toBe(0);
    });

    it('sends nothing for a blob or a tree that is already present (dedup)', async () => {
      const data = Buffer.from('duplicate me');
      expect(await writesDuring(() => h.store.putBytes(data))).toBe(1);
      expect(await writesDuring(() => h.store.putBytes(data))).toBe(0);

      const dir = join(work, 'dedup');
      await makeTree(dir, { 'a.txt': 'same', 'sub/b.txt': 'before', 'sub/c.txt': 'unchanged' });
      const first = await h.store.putPath(dir);
      expect(await writesDuring(() => h.store.putPath(dir))).toBe(0);

      // An unchanged file inside a changed directory is stored once: only the new blob and the two
      // manifests on its path (sub/ and the root) are written.
      await writeFile(join(dir, 'sub/b.txt'), 'after');
      let second: string | undefined;
      expect(await writesDuring(async () => (second = await h.store.putPath(dir)))).toBe(3);
      expect(second).not.toBe(first);
    });

    it('round-trips a file and a directory tree with modes and empty directories', async () => {
      const dir = join(work, 'tree');
      await makeTree(
        dir,
        { 'run.sh': { text: '#!/bin/sh\necho hi\n', exec: true }, 'data/x.csv': 'a,b\n1,2\n', 'data/deep/y.txt': 'y', 'empty.txt': '' },
        ['data/nothing', 'void'],
      );
      const ref = await h.store.putPath(dir);
      expect(ref).toMatch(/^tree:sha256:[0-9a-f]{64}$/);
      expect(await h.store.putPath(dir)).toBe(ref); // deterministic

      const manifest = await h.store.getTree(ref);
      expect(manifest.entries.map((e) => [e.name, e.type, e.mode.toString(8), e.size])).toEqual([
        ['data', 'tree', '755', undefined],
        ['empty.txt', 'file', '644', 0],
        ['run.sh', 'file', '755', 18],
        ['void', 'tree', '755', undefined],
      ]);

      const out = join(work, 'tree-out');
      await h.store.materialize(ref, out);
      expect(await readFile(join(out, 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
      expect((await stat(join(out, 'run.sh'))).mode & 0o777).toBe(0o755);
      expect((await stat(join(out, 'data/x.csv'))).mode & 0o777).toBe(0o644);
      expect(await readFile(join(out, 'data/deep/y.txt'), 'utf8')).toBe('y');
      expect(await readFile(join(out, 'empty.txt'), 'utf8')).toBe('');
      expect((await stat(join(out, 'data/nothing'))).isDirectory()).toBe(true);
      expect((await stat(join(out, 'void'))).isDirectory()).toBe(true);
      await h.store.verify(ref);

      const file = join(dir, 'data/x.csv');
      const fileRef = await h.store.putPath(file);
      expect(fileRef).toBe(await hashFile(file));
      await h.store.materialize(fileRef, join(work, 'file-out/x.csv'));
      expect(await readFile(join(work, 'file-out/x.csv'), 'utf8')).toBe('a,b\n1,2\n');
    });

    it('rejects a symbolic link inside a directory, naming it', async () => {
      const dir = join(work, 'links');
      await makeTree(dir, { 'real.txt': 'r' });
      await symlink('real.txt', join(dir, 'alias.txt'));
      await expect(h.store.putPath(dir)).rejects.toThrow(UsageError);
      await expect(h.store.putPath(dir)).rejects.toThrow(`${join(dir, 'alias.txt')}: it is a symbolic link (to real.txt)`);
    });

    it('detects a corrupted blob on read, reports hash and place, quarantines it and heals on the next put', async () => {
      const data = Buffer.from('precious model weights');
      const hash = await h.store.putBytes(data);
      await h.corrupt(hash, Buffer.from('garbage'));

      const err = await h.store.getBytes(hash).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).hash).toBe(hash);
      expect((err as Error).message).toContain(`Blob ${hash} in store ${h.store.location} is corrupt`);
      expect((err as Error).message).toContain(h.store.backend.where(`cas/sha256/${hash.slice(7)}`));
      expect((err as Error).message).toContain(`hashes to ${hashBytes('garbage')}`);

      // Moved aside, not deleted: the bytes are kept under quarantine/ and the blob reads as absent.
      expect(await h.store.has(hash)).toBe(false);
      expect((await h.store.list('quarantine/')).some((k) => k.includes(hash.slice(7)))).toBe(true);
      await expect(h.store.getBytes(hash)).rejects.toThrow(NotFoundError);

      await h.store.putBytes(data);
      expect(await h.store.getBytes(hash)).toEqual(data);
    });

    it('never materializes a corrupted file of a tree; verify names the path inside the tree', async () => {
      const dir = join(work, 'corrupt-tree');
      await makeTree(dir, { 'ok.txt': 'fine', 'sub/bad.bin': 'will be damaged' });
      const ref = await h.store.putPath(dir);
      const bad = hashBytes('will be damaged');
      await h.corrupt(bad, Buffer.from('will be d4maged'));
      await expect(h.store.verify(ref)).rejects.toThrow(/sub\/bad\.bin in tree:sha256:/);
      await expect(h.store.verify(ref)).rejects.toThrow(IntegrityError); // now missing (quarantined)

      await h.corrupt(bad, Buffer.from('will be d4maged'));
      const out = join(work, 'corrupt-out');
      await expect(h.store.materialize(ref, out)).rejects.toThrow(IntegrityError);
      await expect(stat(join(out, 'sub/bad.bin'))).rejects.toThrow(/ENOENT/);

      await h.store.putPath(dir); // heals
      await h.store.verify(ref);
    });

    it('throws NotFoundError for a blob that was never stored', async () => {
      const absent = hashBytes('absent');
      await expect(h.store.getBytes(absent)).rejects.toThrow(NotFoundError);
      await expect(h.store.getBytes(absent)).rejects.toThrow(`Blob ${absent} is not in store`);
      await expect(h.store.materialize(absent, join(work, 'absent'))).rejects.toThrow(NotFoundError);
      await expect(h.store.materialize(`tree:${absent}`, join(work, 'absent'))).rejects.toThrow(NotFoundError);
      await expect(h.store.verify(absent)).rejects.toThrow(IntegrityError);
      await expect(h.store.getBytes('sha256:nothex' as Hash)).rejects.toThrow(UsageError);
    });

    it('writes a record only after its blobs, and treats a record naming missing data as absent', async () => {
      const out = await h.store.putBytes(Buffer.from('output of train'));
      const stdout = await h.store.putBytes(Buffer.from('stdout'));
      const dir = join(work, 'record-out');
      await makeTree(dir, { 'm.json': '{}' });
      const model = await h.store.putPath(dir);
      const key = hashBytes('cache key document');
      const record = makeRecord(key, { out, model }, stdout, hashBytes('stderr that was never stored'));

      expect(await readStepRecord(h.store, key)).toBeUndefined();
      await expect(writeStepRecord(h.store, record)).rejects.toThrow(/names data that is not in the store: stderr sha256:/);
      expect(await readStepRecord(h.store, key)).toBeUndefined();

      const stderr = await h.store.putBytes(Buffer.from('stderr that was never stored'));
      const good = { ...record, stderr };
      await writeStepRecord(h.store, good);
      expect(await readStepRecord(h.store, key)).toEqual(good);
      await writeStepRecord(h.store, { ...good, runId: 'second' }); // a re-run replaces it atomically
      expect((await readStepRecord(h.store, key))?.runId).toBe('second');

      await h.deleteBlob(out);
      expect(await readStepRecord(h.store, key)).toBeUndefined();
      await h.store.putBytes(Buffer.from('output of train'));
      expect(await readStepRecord(h.store, key)).toBeDefined();
    });

    it('stores JSON documents atomically and rejects keys that escape the store', async () => {
      expect(await h.store.getJson('runs/none.json')).toBeUndefined();
      await h.store.putJson('runs/r1.json', { status: 'running', n: 1 });
      expect(await h.store.getJson('runs/r1.json')).toEqual({ status: 'running', n: 1 });
      await h.store.putJson('runs/r1.json', { status: 'succeeded' });
      expect(await h.store.getJson('runs/r1.json')).toEqual({ status: 'succeeded' });
      for (const bad of ['../escape.json', '/abs.json', 'runs//x.json', 'runs/./x', '']) {
        await expect(h.store.putJson(bad, {})).rejects.toThrow(UsageError);
      }
      await expect(h.store.putJson(`cas/sha256/${'0'.repeat(64)}`, {})).rejects.toThrow(/immutable blobs/);
    });

    it('lists keys directly under a prefix, sub-directories once with a trailing slash', async () => {
      await h.store.putJson('lst/b.json', 1);
      await h.store.putJson('lst/a.json', 1);
      await h.store.putJson('lst/a/train.json', 1);
      await h.store.putJson('lst/a/eval.json', 1);
      expect(await h.store.list('lst/')).toEqual(['lst/a.json', 'lst/a/', 'lst/b.json']);
      expect(await h.store.list('lst/a')).toEqual(['lst/a.json', 'lst/a/']);
      expect(await h.store.list('lst/a/')).toEqual(['lst/a/eval.json', 'lst/a/train.json']);
      expect(await h.store.list('nothing-here/')).toEqual([]);
    });

    it(`round-trips a ${largeMiB} MiB file in constant-size chunks`, async () => {
      const big = join(work, 'big.bin');
      const chunk = Buffer.alloc(1 << 20);
      const { open } = await import('node:fs/promises');
      const fh = await open(big, 'w');
      for (let i = 0; i < largeMiB; i++) {
        chunk.fill(i * 7 + 1);
        chunk.writeUInt32LE(i, 0);
        await fh.write(chunk);
      }
      await fh.close();
      const seen: number[] = [];
      const ref = await h.store.putPath(big, { onProgress: (n) => seen.push(n) });
      expect(ref).toBe(await hashFile(big));
      expect(seen.at(-1)).toBe(largeMiB << 20);
      expect(await writesDuring(() => h.store.putPath(big))).toBe(0);
      const out = join(work, 'big-out.bin');
      await h.store.materialize(ref, out);
      expect(await hashFile(out)).toBe(ref);
      await h.store.verify(ref);
    });
  });
}

/** A minimal valid step record naming the given blobs. */
export function makeRecord(key: Hash, outputs: StepRecord['outputs'], stdout: Hash, stderr: Hash): StepRecord {
  return {
    v: 1,
    key,
    keyDocument: { v: 1, code: null, command: ['true'], image: 'local', env: {}, inputs: {}, params: {}, outputs: Object.keys(outputs).sort(), cacheVersion: null },
    step: 'train',
    pipeline: 'iris',
    runId: 'first',
    outputs,
    metrics: [{ name: 'loss', value: 0.1 }],
    stdout,
    stderr,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
  };
}

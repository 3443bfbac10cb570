import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError, UsageError } from '../../lib/errors';
import { blobKey, CasStore, createFsStore, decodeTreeListing, defaultStoreLocation, FsBackend, hashBytes, hashFile, openStore, S3Backend, type StoreBackend } from '../../lib/store';
import { describeStoreSuite, type StoreHarness } from './suite';
import { readStepRecord } from '../../lib/protocol';

/** Wraps a backend to count its write calls (a spy: every call goes to the real backend). */
function countingBackend(inner: StoreBackend, counts: Record<string, number>): StoreBackend {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'putBytes' || prop === 'putFile') && typeof value === 'function') {
        return (...args: unknown[]) => {
          counts[prop] = (counts[prop] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function makeFsHarness(): Promise<StoreHarness> {
  const root = await mkdtemp(join(tmpdir(), 'pw-fs-store-'));
  const counts: Record<string, number> = {};
  const store = new CasStore(countingBackend(new FsBackend(root), counts));
  return {
    store,
    corrupt: async (hash, data) => {
      const p = join(root, blobKey(hash));
      await unlink(p).catch(() => undefined);
      await writeFile(p, data);
    },
    deleteBlob: (hash) => unlink(join(root, blobKey(hash))),
    writes: () => ({ ...counts }),
    close: () => rm(root, { recursive: true, force: true }),
  };
}

describeStoreSuite('filesystem', makeFsHarness);

describe('filesystem store specifics', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'pw-fs-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('keeps the layout of types.ts, read-only blobs and no temp files behind', async () => {
    const root = await tempDir();
    const store = createFsStore(root);
    const hash = await store.putBytes(Buffer.from('x'));
    const blob = join(root, 'cas/sha256', hash.slice(7));
    expect(await readFile(blob, 'utf8')).toBe('x');
    expect((await stat(blob)).mode & 0o777).toBe(0o444);
    await store.putJson('runs/r.json', { a: 1 });
    expect(JSON.parse(await readFile(join(root, 'runs/r.json'), 'utf8'))).toEqual({ a: 1 });
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await store.list('')).toEqual(['cas/', 'runs/']); // tmp/ is internal
  });

  it('sweeps temp files a killed writer left, once they are a day old', async () => {
    const root = await tempDir();
    const { mkdir, utimes } = await import('node:fs/promises');
    await mkdir(join(root, 'tmp'), { recursive: true });
    await writeFile(join(root, 'tmp/old'), 'orphan');
    await writeFile(join(root, 'tmp/new'), 'in flight');
    const old = new Date(Date.now() - 25 * 3600 * 1000);
    await utimes(join(root, 'tmp/old'), old, old);
    const store = createFsStore(root, { durable: false });
    expect(await store.getBytes(await store.putBytes(Buffer.from('y')))).toEqual(Buffer.from('y'));
    expect(await readdir(join(root, 'tmp'))).toEqual(['new']);
  });

  it('moves a corrupt blob to quarantine/ with its bytes intact', async () => {
    const root = await tempDir();
    const store = createFsStore(root);
    const hash = await store.putBytes(Buffer.from('good'));
    const blob = join(root, blobKey(hash));
    await chmod(blob, 0o644);
    await writeFile(blob, 'evil');
    await expect(store.getBytes(hash)).rejects.toThrow(IntegrityError);
    const [moved] = await readdir(join(root, 'quarantine'));
    expect(moved).toMatch(new RegExp(`^cas_sha256_${hash.slice(7)}\\.`));
    expect(await readFile(join(root, 'quarantine', moved), 'utf8')).toBe('evil');
  });

  it('follows a top-level symlink but not one inside a tree', async () => {
    const root = await tempDir();
    const work = await tempDir();
    await writeFile(join(work, 'data.csv'), 'a\n');
    execFileSync('ln', ['-s', 'data.csv', join(work, 'link.csv')]);
    const store = createFsStore(root);
    expect(await store.putPath(join(work, 'link.csv'))).toBe(hashBytes('a\n'));
    await expect(store.putPath(work)).rejects.toThrow(/link\.csv: it is a symbolic link/);
  });

  it('never writes outside the destination, whatever a manifest says', () => {
    const evil = Buffer.from(JSON.stringify({ type: 'tree', entries: [{ name: '..', type: 'file', mode: 420, hash: hashBytes(''), size: 0 }] }));
    expect(() => decodeTreeListing(evil, hashBytes(evil), 'here')).toThrow(/not a single path segment/);
    const unsorted = Buffer.from(
      JSON.stringify({
        type: 'tree',
        entries: [
          { name: 'b', type: 'file', mode: 420, hash: hashBytes(''), size: 0 },
          { name: 'a', type: 'file', mode: 420, hash: hashBytes(''), size: 0 },
        ],
      }),
    );
    expect(() => decodeTreeListing(unsorted, hashBytes(unsorted), 'here')).toThrow(/out of order/);
  });

  it('treats an unreadable record as absent', async () => {
    const root = await tempDir();
    const store = createFsStore(root);
    const key = hashBytes('k');
    await store.putJson(`records/${key.slice(7)}.json`, { v: 1, key, outputs: {}, stdout: 'nope' });
    expect(await readStepRecord(store, key)).toBeUndefined();
    await writeFile(join(root, `records/${key.slice(7)}.json`), '{not json');
    expect(await readStepRecord(store, key)).toBeUndefined();
  });

  it('hashes files like openssl', async () => {
    const d = await tempDir();
    const p = join(d, 'f');
    await writeFile(p, Buffer.alloc(3 * 1024 * 1024 + 17, 9));
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-r', p], { encoding: 'utf8' }).split(' ')[0];
    expect(await hashFile(p)).toBe(`sha256:${openssl}`);
    expect(hashBytes(await readFile(p))).toBe(`sha256:${openssl}`);
  });
});

describe('openStore', () => {
  it('opens a directory, resolving it from the cwd', () => {
    const s = openStore('rel/store');
    expect(s.backend).toBeInstanceOf(FsBackend);
    expect(s.location).toBe(resolve('rel/store'));
  });

  it('opens s3://bucket/prefix with the prefix as the key root', () => {
    const s = openStore('s3://my-bucket/some/prefix');
    expect(s.backend).toBeInstanceOf(S3Backend);
    expect(s.location).toBe('s3://my-bucket/some/prefix');
    expect(s.backend.where('cas/sha256/ab')).toBe('s3://my-bucket/some/prefix/cas/sha256/ab');
    const root = openStore('s3://my-bucket');
    expect(root.location).toBe('s3://my-bucket');
    expect(root.backend.where('runs/x.json')).toBe('s3://my-bucket/runs/x.json');
  });

  it('rejects an s3 location without a bucket', () => {
    expect(() => openStore('s3://')).toThrow(UsageError);
    expect(() => openStore('s3:///x')).toThrow(/expected s3:\/\/<bucket>/);
  });

  it('defaults to PIPEWRIGHT_STORE, else ./.pipewright', () => {
    const saved = process.env.PIPEWRIGHT_STORE;
    try {
      delete process.env.PIPEWRIGHT_STORE;
      expect(defaultStoreLocation()).toBe('./.pipewright');
      process.env.PIPEWRIGHT_STORE = 's3://b/p';
      expect(defaultStoreLocation()).toBe('s3://b/p');
    } finally {
      if (saved === undefined) delete process.env.PIPEWRIGHT_STORE;
      else process.env.PIPEWRIGHT_STORE = saved;
    }
  });
});

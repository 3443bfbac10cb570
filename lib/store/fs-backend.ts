/**
 * The filesystem backend: objects are files under a root directory.
 *
 * Writes go to a temp file in `<root>/tmp/` (same filesystem), are fsync'ed, then linked (immutable
 * blobs: `link` fails if the name exists, so a present blob is never rewritten, even by a racing
 * writer) or renamed (documents) into place. Readers therefore see nothing or a complete object.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeFsError, UsageError } from '../errors';
import type { BackendReadable, StoreBackend, WriteMode } from './backend';
import { QUARANTINE_PREFIX } from './layout';

/** Age after which a file in `tmp/` is an orphan of a killed writer. */
const TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Mode of blob files: read-only, so a stray write fails loudly instead of corrupting the store. */
const BLOB_FILE_MODE = 0o444;

/** Options of the filesystem backend. */
export interface FsBackendOptions {
  /**
   * Whether each write is fsync'ed before it is renamed into place, so that it survives a power loss or
   * kernel crash, not only a process crash (a killed process never loses page-cache writes either way).
   *
   * Without it, a power loss can leave a blob empty or torn; reads verify every hash, so such a blob is
   * reported and re-created, never used: the worst a power loss costs is a re-run. With it, each object
   * written costs one fsync (3–8 ms on this project's machines, more than the engine's whole per-step
   * budget), so local runs default to off.
   * @default - on when the environment variable `PIPEWRIGHT_FSYNC` is `1`, else off
   */
  readonly durable?: boolean;
}

/** Stores objects as files under `root`. */
export class FsBackend implements StoreBackend {
  public readonly location: string;
  private readonly tmpDir: string;
  private readonly durable: boolean;
  private readonly madeDirs = new Set<string>();
  private swept = false;

  /** @param root absolute path of the store directory (created on first write). */
  constructor(private readonly root: string, options: FsBackendOptions = {}) {
    this.location = root;
    this.tmpDir = join(root, 'tmp');
    this.durable = options.durable ?? process.env.PIPEWRIGHT_FSYNC === '1';
  }

  public where(key: string): string {
    return join(this.root, key);
  }

  public async exists(key: string): Promise<boolean> {
    try {
      await stat(this.where(key));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  public async refresh(key: string): Promise<boolean> {
    try {
      const now = new Date();
      await utimes(this.where(key), now, now);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      // A blob another user owns cannot be re-stamped; it is present, as before.
      if ((err as NodeJS.ErrnoException).code === 'EPERM' || (err as NodeJS.ErrnoException).code === 'EACCES') return true;
      throw err;
    }
  }

  public async putBytes(key: string, data: Uint8Array, mode: WriteMode): Promise<void> {
    const tmp = await this.tempPath();
    const fh = await open(tmp, 'wx', mode === 'create' ? BLOB_FILE_MODE : 0o644);
    try {
      await fh.writeFile(data);
      if (this.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await this.commit(tmp, key, mode);
  }

  public async putFile(key: string, localPath: string, size: number, onProgress?: (bytes: number) => void): Promise<void> {
    const tmp = await this.tempPath();
    await copyFile(localPath, tmp);
    if (this.durable) {
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await chmod(tmp, BLOB_FILE_MODE);
    await this.commit(tmp, key, 'create');
    onProgress?.(size);
  }

  public async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.where(key));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  public async openRead(key: string): Promise<BackendReadable | undefined> {
    const path = this.where(key);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const { size } = await fh.stat();
    return { stream: createReadStream(path, { fd: fh, autoClose: true, highWaterMark: 1 << 20 }), size };
  }

  public async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1);
    const start = prefix.slice(slash + 1);
    let entries;
    try {
      entries = await readdir(join(this.root, dirKey), { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
    return entries
      .filter((e) => e.name.startsWith(start) && !(dirKey === '' && e.name === 'tmp'))
      .map((e) => `${dirKey}${e.name}${e.isDirectory() ? '/' : ''}`)
      .sort();
  }

  public async quarantine(key: string): Promise<string> {
    const qKey = `${QUARANTINE_PREFIX}${key.replaceAll('/', '_')}.${Date.now()}.${randomBytes(3).toString('hex')}`;
    const dest = this.where(qKey);
    await this.ensureDir(dirname(dest));
    try {
      await rename(this.where(key), dest);
    } catch (err) {
      // Someone else moved it aside first: theirs is the copy that kept the bytes.
      if (isNotFound(err)) return `${join(this.root, QUARANTINE_PREFIX)} (by another reader)`;
      throw err;
    }
    return dest;
  }

  private async commit(tmp: string, key: string, mode: WriteMode): Promise<void> {
    const dest = this.where(key);
    await this.ensureDir(dirname(dest));
    if (mode === 'replace') {
      await rename(tmp, dest);
      return;
    }
    try {
      await link(tmp, dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        // Present already (a racing writer, or an earlier put): blobs are immutable, keep the first.
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
        // Filesystems without hard links: same content, so an atomic replace is equally correct.
        await rename(tmp, dest);
        return;
      } else {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    }
    await unlink(tmp);
  }

  private async tempPath(): Promise<string> {
    await this.ensureDir(this.tmpDir);
    if (!this.swept) {
      this.swept = true;
      await this.sweepTemp();
    }
    return join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Removes temp files a killed writer left behind (old enough that no live writer still owns them). */
  private async sweepTemp(): Promise<void> {
    try {
      const cutoff = Date.now() - TEMP_MAX_AGE_MS;
      for (const name of await readdir(this.tmpDir)) {
        const p = join(this.tmpDir, name);
        const st = await stat(p).catch(() => undefined);
        if (st && st.mtimeMs < cutoff) await unlink(p).catch(() => undefined);
      }
    } catch {
      // Best effort: a leftover temp file wastes space but never affects what the store returns.
    }
  }

  public async stat(key: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    try {
      const st = await stat(this.where(key));
      return { size: st.size, modifiedAt: st.mtime };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  public async remove(key: string): Promise<void> {
    try {
      await unlink(this.where(key));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await makeDirs(dir, this.root);
    this.madeDirs.add(dir);
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir spins forever under /proc (and reports a file in the
 * way as a raw error); this stops at the first level that cannot be made, naming the store.
 */
async function makeDirs(dir: string, storeRoot: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => err);
    if (!(st instanceof Error)) {
      if (!st.isDirectory()) throw storeDirError(storeRoot, `${d} is not a directory`);
      break;
    }
    if (st.code !== 'ENOENT') throw storeDirError(storeRoot, `${d} ${describeFsError(st)}`);
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(d).catch(() => undefined))?.isDirectory()) continue; // made concurrently
      throw storeDirError(storeRoot, `cannot create ${d}: it ${describeFsError(err)}`);
    }
  }
}

function storeDirError(root: string, why: string): UsageError {
  return new UsageError(`The store ${root} cannot be used: ${why}. Give --store (or PIPEWRIGHT_STORE) a writable directory path.`);
}

function isNotFound(err: unknown): boolean {
  // ENOTDIR: a file where a folder of the path should be, so nothing is stored there either.
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

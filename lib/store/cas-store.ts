/**
 * The content-addressed store: blobs, Merkle trees and JSON documents over any backend.
 *
 * Every guarantee of the store lives here, once, for the filesystem and S3 alike:
 * - blobs are named by the SHA-256 of their bytes and written only when absent (immutable, deduplicated);
 * - directories are stored as tree listings (see tree.ts); symbolic links inside a directory are
 *   rejected with an error naming them (a top-level path that is a link is followed, like `cp -r`);
 * - every read re-hashes what it got: a mismatch throws IntegrityError and moves the corrupt object
 *   to `quarantine/` (kept for inspection, never deleted) so that the next write of the same content
 *   restores the blob;
 *
 * A file reference carries no mode, so a file materialized on its own is 0o644 (modes live in trees).
 * A file must not change while it is being stored; if it does, the blob's bytes will not match its
 * name and the first read reports it (IntegrityError), as for any other corruption.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IntegrityError, NotFoundError, UsageError } from '../errors';
import type { StoreBackend } from './backend';
import { hashBytes, hashFile, HashingStream, isArtifactRef, isHash, isTreeRef, refHash } from './hash';
import { blobKey, checkKey, checkPrefix } from './layout';
import { createLimiter } from './private/limit';
import { isStoreDir } from './private/store-dir';
import { decodeTreeListing, encodeTreeListing, EXECUTABLE_MODE, fileModeOf, makeTreeListing, REGULAR_MODE } from './tree';
import type { ArtifactRef, ArtifactStore, Hash, PutOptions, TreeEntry, TreeListing } from './types';

/** Tuning of a CasStore. */
export interface CasStoreOptions {
  /** Files up to this size are read whole and written in one request. @default 1 MiB */
  readonly smallFileBytes?: number;
  /** Files hashed, uploaded or materialized at once. @default 8 */
  readonly concurrency?: number;
}

/** The artifact store over a backend (use `createFsStore`, `createS3Store` or `openStore`). */
export class CasStore implements ArtifactStore {
  public readonly location: string;
  private readonly smallFileBytes: number;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(public readonly backend: StoreBackend, options: CasStoreOptions = {}) {
    this.location = backend.location;
    this.smallFileBytes = options.smallFileBytes ?? 1 << 20;
    this.limit = createLimiter(options.concurrency ?? 8);
  }

  public async putBytes(data: Uint8Array): Promise<Hash> {
    const hash = hashBytes(data);
    await this.putBlob(hash, data);
    return hash;
  }

  public async getBytes(hash: Hash): Promise<Buffer> {
    checkHash(hash, 'getBytes');
    const key = blobKey(hash);
    const data = await this.backend.getBytes(key);
    if (data === undefined) throw this.missing(hash);
    const actual = hashBytes(data);
    if (actual !== hash) throw await this.corrupt(hash, actual);
    return data;
  }

  public async has(hash: Hash): Promise<boolean> {
    checkHash(hash, 'has');
    return this.backend.exists(blobKey(hash));
  }

  public async putPath(path: string, options: PutOptions = {}): Promise<ArtifactRef> {
    let done = 0;
    const progress = (n: number): void => {
      done += n;
      options.onProgress?.(done);
    };
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`Cannot store ${path}: no such file or directory. Check the path (it is resolved from ${process.cwd()}).`);
      }
      throw err;
    }
    if (st.isFile()) return this.putFileBlob(path, st.size, progress);
    if (st.isDirectory()) return `tree:${await this.putDir(path, progress)}`;
    throw new UsageError(`Cannot store ${path}: it is neither a regular file nor a directory. Store a file or a directory.`);
  }

  public async materialize(ref: ArtifactRef, dest: string): Promise<void> {
    checkRef(ref, 'materialize');
    if (isTreeRef(ref)) {
      await this.materializeTree(refHash(ref), dest);
    } else {
      await mkdir(dirname(dest), { recursive: true });
      await this.materializeFile(ref, dest, REGULAR_MODE);
    }
  }

  public async verify(ref: ArtifactRef): Promise<void> {
    checkRef(ref, 'verify');
    await this.verifyRef(ref, ref, '');
  }

  /** Reads and checks a tree listing by its hash or `tree:` reference. */
  public async getTree(ref: Hash | ArtifactRef): Promise<TreeListing> {
    const hash = refHash(ref);
    checkHash(hash, 'getTree');
    return decodeTreeListing(await this.getBytes(hash), hash, this.backend.where(blobKey(hash)));
  }

  public async getJson<T>(key: string): Promise<T | undefined> {
    checkKey(key, 'document key');
    const bytes = await this.backend.getBytes(key);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch (err) {
      throw new IntegrityError(
        `Document ${this.backend.where(key)} is not valid JSON (${(err as Error).message}). ` +
          'Documents are written atomically, so something else changed it; delete it or restore it from a backup.',
      );
    }
  }

  public async hasDocument(key: string): Promise<boolean> {
    checkKey(key, 'document key');
    return this.backend.exists(key);
  }

  public async putJson(key: string, value: unknown): Promise<void> {
    checkKey(key, 'document key');
    if (key.startsWith('cas/')) {
      throw new UsageError(`putJson: ${JSON.stringify(key)} is under cas/, which holds immutable blobs only; use putBytes for content.`);
    }
    const text = JSON.stringify(value);
    if (text === undefined) throw new UsageError(`putJson: the value for ${key} is not JSON-serializable (got ${typeof value}).`);
    await this.backend.putBytes(key, Buffer.from(`${text}\n`), 'replace');
  }

  public async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    return this.backend.list(prefix);
  }

  private async putBlob(hash: Hash, data: Uint8Array): Promise<void> {
    const key = blobKey(hash);
    if (!(await this.backend.refresh(key))) await this.backend.putBytes(key, data, 'create');
  }

  private async putFileBlob(path: string, size: number, progress: (n: number) => void): Promise<Hash> {
    if (size <= this.smallFileBytes) {
      const data = await readFile(path);
      const hash = hashBytes(data);
      await this.putBlob(hash, data);
      progress(data.byteLength);
      return hash;
    }
    let last = 0;
    const hash = await hashFile(path, (n) => {
      progress(n - last);
      last = n;
    });
    const key = blobKey(hash);
    if (!(await this.backend.refresh(key))) await this.backend.putFile(key, path, size);
    return hash;
  }

  private async putDir(dir: string, progress: (n: number) => void): Promise<Hash> {
    // A store inside the tree (e.g. the default ./.pipewright under `code: .`) is never part of it.
    const dirents = (await readdir(dir, { withFileTypes: true })).filter(
      (d) => !(d.isDirectory() && (join(dir, d.name) === this.location || isStoreDir(join(dir, d.name)))),
    );
    const entries = await Promise.all(
      dirents.map(async (d): Promise<TreeEntry> => {
        const p = join(dir, d.name);
        if (d.isDirectory()) return { name: d.name, type: 'tree', mode: EXECUTABLE_MODE, hash: await this.putDir(p, progress) };
        if (d.isSymbolicLink()) {
          const target = await readlink(p).catch(() => '?');
          throw new UsageError(
            `Cannot store ${p}: it is a symbolic link (to ${target}). Pipewright stores directories of regular files ` +
              'only, so that an artifact is the same wherever it is used; replace the link with a copy of its target, or remove it.',
          );
        }
        if (!d.isFile()) {
          throw new UsageError(`Cannot store ${p}: it is not a regular file or directory (socket, FIFO or device). Remove it from the directory.`);
        }
        return this.limit(async () => {
          const st = await lstat(p);
          const hash = await this.putFileBlob(p, st.size, progress);
          return { name: d.name, type: 'file', mode: fileModeOf(st.mode), hash, size: st.size };
        });
      }),
    );
    const bytes = encodeTreeListing(makeTreeListing(entries));
    const hash = hashBytes(bytes);
    await this.putBlob(hash, bytes);
    return hash;
  }

  private async materializeTree(hash: Hash, dest: string): Promise<void> {
    const listing = await this.getTree(hash);
    await mkdir(dest, { recursive: true });
    await Promise.all(
      listing.entries.map((e) =>
        e.type === 'tree'
          ? this.materializeTree(e.hash, join(dest, e.name))
          : this.limit(() => this.materializeFile(e.hash, join(dest, e.name), e.mode, e.size)),
      ),
    );
  }

  private async materializeFile(hash: Hash, dest: string, mode: number, size?: number): Promise<void> {
    const tmp = `${dest}.pw-${randomBytes(6).toString('hex')}.tmp`;
    if (size !== undefined && size <= this.smallFileBytes) {
      // Small files (most of a code tree): one verified read, one write.
      const data = await this.getBytes(hash);
      try {
        await writeFile(tmp, data, { mode: 0o600 });
        await chmod(tmp, mode);
        await rename(tmp, dest);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      return;
    }
    const opened = await this.backend.openRead(blobKey(hash));
    if (opened === undefined) throw this.missing(hash);
    const hashing = new HashingStream();
    try {
      await pipeline(opened.stream, hashing, createWriteStream(tmp, { mode: 0o600 }));
      this.checkLength(hash, opened.size, hashing.bytes);
      const actual = hashing.digest();
      if (actual !== hash) throw await this.corrupt(hash, actual);
      await chmod(tmp, mode);
      await rename(tmp, dest);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  private async verifyRef(ref: ArtifactRef, root: ArtifactRef, path: string): Promise<void> {
    const hash = refHash(ref);
    const inside = path === '' ? '' : ` (${path} in ${root})`;
    if (isTreeRef(ref)) {
      let listing: TreeListing;
      try {
        listing = await this.getTree(hash);
      } catch (err) {
        throw this.asIntegrity(err, hash, inside);
      }
      await Promise.all(
        listing.entries.map((e) => {
          const child = path === '' ? e.name : `${path}/${e.name}`;
          return e.type === 'tree'
            ? this.verifyRef(`tree:${e.hash}`, root, child)
            : this.limit(() => this.verifyRef(e.hash, root, child));
        }),
      );
      return;
    }
    const opened = await this.backend.openRead(blobKey(hash));
    if (opened === undefined) throw this.asIntegrity(this.missing(hash), hash, inside);
    const hashing = new HashingStream();
    await pipeline(opened.stream, hashing, new Writable({ write: (_c, _e, done) => done() }));
    this.checkLength(hash, opened.size, hashing.bytes);
    const actual = hashing.digest();
    if (actual !== hash) throw this.asIntegrity(await this.corrupt(hash, actual), hash, inside);
  }

  private asIntegrity(err: unknown, hash: Hash, inside: string): unknown {
    if (err instanceof IntegrityError || err instanceof NotFoundError) {
      return new IntegrityError(`${err.message.replace(/\.$/, '')}${inside ? `;${inside}` : ''}`, hash);
    }
    return err;
  }

  private checkLength(hash: Hash, expected: number | undefined, got: number): void {
    if (expected !== undefined && expected !== got) {
      throw new Error(
        `Reading blob ${hash} from ${this.backend.where(blobKey(hash))} stopped after ${got} of ${expected} bytes ` +
          '(the connection or file was cut short). Nothing was written; try again.',
      );
    }
  }

  private missing(hash: Hash): NotFoundError {
    return new NotFoundError(
      `Blob ${hash} is not in store ${this.location} (looked for ${this.backend.where(blobKey(hash))}). ` +
        'It was never stored there, or was moved to quarantine/ after failing verification; re-run the step that produces it.',
    );
  }

  private async corrupt(hash: Hash, actual: Hash): Promise<IntegrityError> {
    const where = this.backend.where(blobKey(hash));
    const moved = await this.backend.quarantine(blobKey(hash));
    return new IntegrityError(
      `Blob ${hash} in store ${this.location} is corrupt: the content at ${where} hashes to ${actual}. ` +
        `It was not used; the corrupt bytes were moved to ${moved}, and the next write of this content ` +
        'restores the blob (re-run the step that produced it).',
      hash,
    );
  }
}

function checkHash(hash: unknown, op: string): asserts hash is Hash {
  if (!isHash(hash)) {
    throw new UsageError(`${op}: expected a hash of the form sha256:<64 lowercase hex>, received ${JSON.stringify(hash)}.`);
  }
}

function checkRef(ref: unknown, op: string): asserts ref is ArtifactRef {
  if (!isArtifactRef(ref)) {
    throw new UsageError(
      `${op}: expected an artifact reference (sha256:<hex> for a file, tree:sha256:<hex> for a directory), received ${JSON.stringify(ref)}.`,
    );
  }
}

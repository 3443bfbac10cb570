/**
 * Writes an artifact where `pipewright get` was told to: `-` is stdout; an existing destination is replaced
 * only with `--force`, and only when it is a regular file or a directory; a directory artifact replaces the
 * destination whole (never merged into it).
 */
import { lstat, rename, rm } from 'node:fs/promises';
import { fsErrorFix, isPathError, pathUsageError, UsageError } from '../../errors';
import { isTreeRef, type ArtifactRef, type ArtifactStore, type Hash } from '../../store';
import { besidePath, checkOutputPath } from './paths';

/** Options of `writeArtifact`. */
export interface WriteArtifactOptions {
  /** Replace an existing regular file or directory at the destination. @default false */
  readonly force?: boolean;
  /** Where `-` writes. @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
}

/** Writes `ref` to `dest` (or stdout for `-`) under the rules above; returns a description of what it did. */
export async function writeArtifact(store: ArtifactStore, ref: ArtifactRef, dest: string, opts: WriteArtifactOptions = {}): Promise<string> {
  if (dest === '') throw new UsageError('the destination is empty; give a file or folder path, or - for stdout');
  if (dest === '-') {
    if (isTreeRef(ref)) throw new UsageError(`${ref} is a directory artifact, which cannot go to stdout; give a folder path instead of -`);
    const data = await store.getBytes(ref as Hash);
    const out = opts.stdout ?? process.stdout;
    await new Promise<void>((resolve, reject) => out.write(data, (err) => (err ? reject(err) : resolve())));
    return 'stdout';
  }
  if (dest.includes('\0')) throw new UsageError('the destination contains a NUL byte, which no file name may hold; give a file or folder path, or - for stdout');
  const existing = await lstat(dest).catch(() => undefined);
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    throw new UsageError(
      `${dest} exists and is not a regular file or directory (a link, device, FIFO or socket); refusing to replace it, even with --force; choose another destination`,
    );
  }
  // The rest of the filesystem boundary: its folder exists and is one, not on /proc, /sys or /dev, not too long.
  checkOutputPath(dest, `destination ${dest}`, 'choose another destination, or - for stdout', { allowDirectory: true });
  if (existing) {
    if (!opts.force) {
      throw new UsageError(`${dest} already exists (a ${existing.isDirectory() ? 'directory' : 'file'}); pass --force to replace it whole, or choose another destination`);
    }
  }
  // Written beside the destination first, then renamed into place: a failure leaves the destination as it was.
  const fresh = besidePath(dest, 'new');
  try {
    await store.materialize(ref, fresh);
    if (existing) {
      const old = besidePath(dest, 'old');
      await rename(dest, old);
      await rename(fresh, dest);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(fresh, dest);
    }
  } catch (err) {
    await rm(fresh, { recursive: true, force: true }).catch(() => undefined);
    if (isPathError(err)) throw pathUsageError(err, `cannot write ${dest}`, fsErrorFix(err));
    throw err;
  }
  return dest;
}

/**
 * The command line's filesystem boundary: every store location and output path a user gives is checked here
 * before anything is read or written, and every filesystem error on it becomes one UsageError line (exit 2)
 * that names the argument, says what is wrong and gives the fix.
 *
 * The rules, the same for every command: no empty path and no NUL byte; nothing on the kernel's /proc, /sys
 * or /dev filesystems (where a store spins and a write goes to a device), except the /dev/shm RAM disk; a
 * store is a directory (created when missing, never through a file); an output is a regular file in an
 * existing folder, written beside its place and renamed in, never through a symbolic link, a FIFO or a device.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isPathError, pathUsageError, UsageError } from '../../errors';
import { DEFAULT_STORE_DIR, defaultStoreLocation } from '../../store';

/** Kernel filesystems that hold no files of ours. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'] as const;

/** A RAM disk under /dev that is an ordinary place for files. */
const SHM = '/dev/shm';

/** `a directory`, `a FIFO (named pipe)`, …: what a stat says a path is. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return 'a regular file';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/** The kernel filesystem (`/proc`, `/sys`, `/dev`) an absolute path lies on, its links resolved; undefined for ordinary places. */
export function specialFilesystem(abs: string): string | undefined {
  let real = abs;
  for (let d = abs; ; d = dirname(d)) {
    try {
      real = join(realpathSync(d), relative(d, abs));
      break;
    } catch {
      if (dirname(d) === d) break;
    }
  }
  if (under(real, SHM)) return undefined;
  return SPECIAL_ROOTS.find((root) => under(real, root) || under(abs, root));
}

/** UsageError for the empty string or a NUL byte (the OS cannot pass one in argv, but `main()` can be given one). */
function checkText(path: string, what: string, fix: string): void {
  if (path === '') throw new UsageError(`${what.trimEnd()}: the path is empty; ${fix}`);
  if (path.includes('\0')) throw new UsageError(`${what}: the path contains a NUL byte, which no file name may hold; ${fix}`);
}

/** lstat that returns the error instead of throwing. */
function lstatOrError(path: string): Stats | NodeJS.ErrnoException {
  try {
    return lstatSync(path);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

/** Where a link points, for messages. */
function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '?';
  }
}

/** Checks the folder a new path would be created in: it must exist and be a folder. */
function checkParent(abs: string, shown: string, what: string, fix: string, create: boolean): void {
  // A store's missing folders are created (mkdir -p); an output's folder must exist, as for cp.
  for (let d = dirname(abs); ; d = dirname(d)) {
    const st = lstatOrError(d);
    if (st instanceof Error) {
      if (st.code !== 'ENOENT') throw pathUsageError(st, what, fix);
      if (!create) {
        const folder = dirname(shown);
        throw new UsageError(`${what}: its folder ${folder} does not exist; create it first (mkdir -p ${folder}) or ${fix}`);
      }
      if (dirname(d) === d) return;
      continue;
    }
    const dir = st.isSymbolicLink() ? statOrUndefined(d) : st;
    if (!dir?.isDirectory()) {
      throw new UsageError(`${what}: ${d} is ${dir ? kindOf(dir) : `a symbolic link to ${linkTarget(d)}, which does not exist`}, not a folder; ${fix}`);
    }
    return;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The store location the command line names (`--store`, else `PIPEWRIGHT_STORE`, else `./.pipewright`),
 * checked: UsageError naming where it came from when it is empty, on /proc, /sys or /dev, not a directory,
 * a dangling link, under a file, or too long. S3 locations pass through (`openStore` checks them).
 */
export function storeLocation(flag: string | undefined, opts: { readonly mustExist?: boolean } = {}): string {
  const env = process.env.PIPEWRIGHT_STORE;
  const location = flag ?? defaultStoreLocation();
  const fromFlag = flag !== undefined;
  const what = fromFlag ? `--store ${location}` : env ? `PIPEWRIGHT_STORE=${location}` : `the default store ${DEFAULT_STORE_DIR}`;
  const fix = fromFlag
    ? `give --store a directory (created when missing) or s3://<bucket>/<prefix>, e.g. --store ./.pipewright`
    : env
      ? 'set PIPEWRIGHT_STORE to a directory (created when missing) or s3://<bucket>/<prefix>, or pass --store'
      : `move what is at ${DEFAULT_STORE_DIR} away, or pass --store <dir>`;
  if (location.startsWith('s3://')) return location;
  checkText(location, fromFlag ? '--store' : what, fix);
  const abs = resolve(location);
  const special = specialFilesystem(abs);
  if (special) throw new UsageError(`${what}: is on the kernel's ${special} filesystem, which cannot hold a store; ${fix}`);
  const st = lstatOrError(abs);
  if (st instanceof Error) {
    if (st.code !== 'ENOENT') throw pathUsageError(st, what, fix);
    checkParent(abs, location, what, fix, true);
    if (opts.mustExist) throw new UsageError(`${what}: no store there (${abs} does not exist); check the path, or ${fix}`);
    return location;
  }
  const target = st.isSymbolicLink() ? statOrUndefined(abs) : st;
  if (!target) throw new UsageError(`${what}: is a symbolic link to ${linkTarget(abs)}, which does not exist; ${fix}`);
  if (!target.isDirectory()) throw new UsageError(`${what}: is ${kindOf(target)}, not a directory; ${fix}`);
  return location;
}

/** What `checkOutputPath` found at an output path. */
export interface OutputPath {
  /** The absolute path to write. */
  readonly abs: string;
  /** What is there now (a regular file, or a directory when allowed); undefined when nothing is. */
  readonly existing?: Stats;
}

/**
 * Checks a path the command will write: UsageError (`<what>: why; fix`) when it is empty, on /proc, /sys
 * or /dev, a link, FIFO, socket or device, a directory (unless `allowDirectory`), or in a folder that does not
 * exist or is a file.
 */
export function checkOutputPath(path: string, what: string, fix: string, opts: { readonly allowDirectory?: boolean } = {}): OutputPath {
  checkText(path, what, fix);
  const abs = resolve(path);
  const st = lstatOrError(abs);
  if (!(st instanceof Error)) {
    if (st.isSymbolicLink()) {
      const to = statOrUndefined(abs);
      throw new UsageError(`${what}: is a symbolic link to ${linkTarget(abs)}${to ? '' : ', which does not exist'}; refusing to write through it; ${fix}`);
    }
    if (!st.isFile() && !st.isDirectory()) throw new UsageError(`${what}: is ${kindOf(st)}, not a regular file; refusing to write into it; ${fix}`);
    if (st.isDirectory() && !opts.allowDirectory) throw new UsageError(`${what}: is a directory, not a file; ${fix}`);
  } else if (st.code !== 'ENOENT') {
    throw pathUsageError(st, what, fix);
  }
  const special = specialFilesystem(abs);
  if (special) throw new UsageError(`${what}: is on the kernel's ${special} filesystem, not a file on disk; refusing to write there; ${fix}`);
  if (st instanceof Error) checkParent(abs, path, what, fix, false);
  return { abs, existing: st instanceof Error ? undefined : st };
}

/** A temporary name beside `abs`, short enough for any file name `abs` can have. */
export function besidePath(abs: string, suffix: string): string {
  return join(dirname(abs), `.${basename(abs).slice(0, 64)}.pw-${randomBytes(6).toString('hex')}.${suffix}`);
}

/**
 * Writes a whole file where the user asked (checked with `checkOutputPath`): beside it first, then renamed
 * into place, so a failure (a full disk, a vanished folder) leaves whatever was there as it was.
 */
export async function writeOutputFile(path: string, data: string | Uint8Array, what: string, fix: string): Promise<string> {
  const { abs, existing } = checkOutputPath(path, what, fix);
  const tmp = besidePath(abs, 'tmp');
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    if (existing) await chmod(tmp, existing.mode & 0o7777);
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (isPathError(err)) throw pathUsageError(err, what, fix);
    throw err;
  }
  return abs;
}

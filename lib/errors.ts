/**
 * The few named error classes of Pipewright.
 *
 * The CLI maps them to exit codes (see `exitCodeFor`); nothing else catches and rewords them.
 */

/** One problem found in a definition, with the place it was found. */
export interface Problem {
  /** The file the problem is in, as the user named it (e.g. `iris.yaml`). */
  readonly file: string;
  /** Dotted path in the definition (e.g. `steps.train.compute.gpus`); empty for the whole file. */
  readonly path: string;
  /** What is wrong, what was expected, and how to fix it. */
  readonly message: string;
  /** 1-based line in the source file, where known (YAML and JSON). */
  readonly line?: number;
  /** 1-based column in the source file, where known (TypeScript type errors). @default - unknown */
  readonly column?: number;
}

/** Formats a problem as `<file>:<line>[:<column>]: <path>: <message>` (line and column omitted when unknown). */
export function formatProblem(p: Problem): string {
  const at = p.column !== undefined ? `${p.line}:${p.column}` : `${p.line}`;
  const where = p.line !== undefined ? `${p.file}:${at}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A definition (spec file, DSL module or compiled artifact) is invalid; carries every problem found. */
export class DefinitionError extends Error {
  public override readonly name = 'DefinitionError';
  constructor(public readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** A command-line argument or run-time parameter is invalid (exit 2). */
export class UsageError extends Error {
  public override readonly name = 'UsageError';
  constructor(message: string, public readonly problems: readonly string[] = [message]) {
    super(message);
  }
}

/** A step (or the run as a whole) failed while executing (exit 1). */
export class RunFailedError extends Error {
  public override readonly name = 'RunFailedError';
  constructor(message: string, public readonly step?: string) {
    super(message);
  }
}

/** Stored data does not match its content hash, or a record points at missing data. */
export class IntegrityError extends Error {
  public override readonly name = 'IntegrityError';
  constructor(message: string, public readonly hash?: string) {
    super(message);
  }
}

/** Something the user asked for does not exist (run id, step, artifact, pipeline). */
export class NotFoundError extends Error {
  public override readonly name = 'NotFoundError';
}

/** Exit status the CLI uses for an error: 2 for bad definitions or arguments, 1 for everything else. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof DefinitionError || err instanceof UsageError || err instanceof NotFoundError) return 2;
  return 1;
}

/** What each errno code a path can fail with means, in words a user can act on. */
const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'goes through a file where a folder is expected',
  EISDIR: 'is a directory where a file is expected',
  ENAMETOOLONG: 'is too long for the filesystem (at most 255 bytes per name, 4096 in all)',
  EACCES: 'is not accessible (permission denied)',
  EPERM: 'is not permitted there (operation not permitted)',
  EROFS: 'is on a read-only filesystem',
  ENOSPC: 'could not be written: no space left on the device',
  EDQUOT: 'could not be written: disk quota exceeded',
  EFBIG: 'could not be written: the file would be too large',
  ELOOP: 'has too many levels of symbolic links (a link loop)',
  EEXIST: 'already exists',
  ENXIO: 'is a device or FIFO with nothing on the other end',
  EINVAL: 'cannot be used this way (the filesystem refused the operation)',
  EBUSY: 'is busy (in use by the system or another process)',
  ETXTBSY: 'is busy (a running program)',
  EMLINK: 'has too many links',
  ERR_INVALID_ARG_VALUE: 'contains a NUL byte, which no file name may hold',
};

/** Whether `err` is a Node filesystem error whose code `describeFsError` knows (a path problem the user can fix). */
export function isPathError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string' || !Object.hasOwn(FS_REASONS, e.code)) return false;
  // Node's fs functions refuse a NUL byte before any system call, with this code and message.
  if (e.code === 'ERR_INVALID_ARG_VALUE') return /null bytes/i.test(e.message);
  return typeof e.syscall === 'string';
}

/** The usual fix for a filesystem error whose place has no more specific one. */
export function fsErrorFix(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return 'free some space or write somewhere else; nothing was replaced';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'choose a place you can write to, or fix its permissions';
    case 'ENAMETOOLONG':
      return 'choose a shorter path';
    default:
      return 'check the path: its folders must exist and be folders, and it must be a regular file or directory as the command expects';
  }
}

/** What an errno code means for a path, e.g. `ENOTDIR` → "goes through a file where a folder is expected (ENOTDIR)". */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code !== undefined ? FS_REASONS[code] : undefined;
  if (reason) return `${reason} (${code})`;
  return (err as Error)?.message ?? String(err);
}

/**
 * A UsageError for a filesystem error on a path the user gave: `<what>: <why>; <fix>`, e.g.
 * `--out build/x.json: goes through a file where a folder is expected (ENOTDIR); give a path in an existing folder`.
 */
export function pathUsageError(err: unknown, what: string, fix: string): UsageError {
  return new UsageError(`${what}: ${describeFsError(err)}; ${fix}`);
}

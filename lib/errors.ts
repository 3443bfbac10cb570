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

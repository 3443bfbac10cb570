/**
 * The artifact store: content-addressed blobs and trees, step records and run documents.
 *
 * One interface, two implementations (filesystem and S3) that share every line of logic above the
 * backend (hashing, tree manifests, verification); the local engine, the Lambda handlers and the Batch
 * runner all use it.
 *
 * Layout (identical on disk and in S3, relative to the store root or bucket prefix):
 * - `cas/sha256/<hex>`        immutable blobs (file contents and tree manifests), named by SHA-256
 * - `records/<hex>.json`      the step record for cache key `sha256:<hex>` (written last, atomically)
 * - `runs/<runId>.json`       a run document (local engine; see lib/engine)
 * - `runs/<runId>/<step>.json` one step's result within a run (written by lookup or the runner)
 * - `uris/<hex>.json`         which content a listing of a `uri:` input (keys, ETags, sizes) produced
 */

/** A content hash: `sha256:<64 lowercase hex>`. */
export type Hash = `sha256:${string}`;

/**
 * A reference to an artifact: a file is its blob hash (`sha256:…`), a directory is its tree
 * manifest's hash prefixed with `tree:` (`tree:sha256:…`).
 */
export type ArtifactRef = Hash | `tree:${Hash}`;

/** One entry of a tree manifest. */
export interface TreeEntry {
  readonly name: string;
  readonly type: 'file' | 'tree';
  /** `0o755` for executables, else `0o644`; trees are always `0o755`. */
  readonly mode: number;
  /** Blob hash (file) or tree manifest hash (tree). */
  readonly hash: Hash;
  /** Bytes (files only). */
  readonly size?: number;
}

/** A directory's canonical manifest (entries sorted by name, stored as canonical JSON in `cas/`). */
export interface TreeManifest {
  readonly type: 'tree';
  readonly entries: readonly TreeEntry[];
}

/** One metric a step logged (a line of `$PW_METRICS`). */
export interface Metric {
  readonly name: string;
  readonly value: number;
  /** @default - none */
  readonly step?: number;
}

/** The components that made a step's cache key (see docs/compiler.md: the key is the SHA-256 of this, canonical). */
export interface CacheKeyDocument {
  readonly v: 1;
  readonly code: ArtifactRef | null;
  readonly command: readonly string[];
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  /** Input name → content reference of what the step received. */
  readonly inputs: Readonly<Record<string, ArtifactRef>>;
  /** Declared parameter name → value. */
  readonly params: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  /** Output names, sorted. */
  readonly outputs: readonly string[];
  readonly cacheVersion: string | null;
  /** The item of a foreach step: its content (a file or directory reference, or its value). @default - not an item */
  readonly item?: { readonly ref: ArtifactRef } | { readonly value: string };
  /**
   * A foreach step's whole result: the item keys and names, in item order. @default - not a foreach step
   */
  readonly items?: { readonly keys: readonly Hash[]; readonly names: readonly string[] };
}

/** What a successful step execution left behind, stored under its cache key. */
export interface StepRecord {
  readonly v: 1;
  /** `sha256:…` of the canonical CacheKeyDocument. */
  readonly key: Hash;
  readonly keyDocument: CacheKeyDocument;
  /** Step and pipeline that produced it (informational: reuse is global to the store). */
  readonly step: string;
  readonly pipeline: string;
  readonly runId: string;
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  readonly metrics: readonly Metric[];
  /** Blob hashes of the captured streams. */
  readonly stdout: Hash;
  readonly stderr: Hash;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Bytes of each output that is a file (for gathering foreach outputs into a tree). @default - not recorded */
  readonly sizes?: Readonly<Record<string, number>>;
  /**
   * Items of a foreach step that failed (a result within its `tolerate`); a lookup re-runs them.
   * @default - none: complete
   */
  readonly failedItems?: readonly FailedItem[];
}

/** One foreach item that failed. */
export interface FailedItem {
  readonly index: number;
  readonly name: string;
  readonly error: string;
}

/** Options for writing a file or directory into the store. */
export interface PutOptions {
  /** Called with bytes hashed/uploaded so far, for progress on long work. @default - no progress */
  readonly onProgress?: (bytes: number) => void;
}

/** The store interface shared by the filesystem and S3 implementations. */
export interface ArtifactStore {
  /** A human-readable location (`/path/.pipewright` or `s3://bucket/prefix`). */
  readonly location: string;

  /** Stores bytes; returns their hash. A blob already present is not written again. */
  putBytes(data: Uint8Array): Promise<Hash>;
  /** Reads a blob, verifying its hash; throws IntegrityError on mismatch, NotFoundError when absent. */
  getBytes(hash: Hash): Promise<Buffer>;
  /** Whether a blob is present (without verifying it). */
  has(hash: Hash): Promise<boolean>;

  /** Stores a local file or directory (directories as Merkle trees); returns its reference. */
  putPath(path: string, options?: PutOptions): Promise<ArtifactRef>;
  /** Writes an artifact to `dest` (a file, or a directory created with its contents), verifying every hash. */
  materialize(ref: ArtifactRef, dest: string): Promise<void>;
  /** Checks that an artifact and everything it references are present and intact; throws IntegrityError otherwise. */
  verify(ref: ArtifactRef): Promise<void>;

  /** Reads the step record for a cache key; undefined when there is none (or it names missing data). */
  getRecord(key: Hash): Promise<StepRecord | undefined>;
  /** Writes a step record atomically; callers write it only after every blob it names. */
  putRecord(record: StepRecord): Promise<void>;

  /** Reads a small JSON document by store-relative key (e.g. `runs/<id>.json`); undefined when absent. */
  getJson<T>(key: string): Promise<T | undefined>;
  /** Writes a small JSON document atomically. */
  putJson(key: string, value: unknown): Promise<void>;
  /** Lists store-relative keys under a prefix (e.g. `runs/`), non-recursively for directories: returns full keys. */
  list(prefix: string): Promise<string[]>;
}

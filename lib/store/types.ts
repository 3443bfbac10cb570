/**
 * The artifact store: content-addressed blobs and trees, plus small JSON documents beside them.
 *
 * One interface, two implementations (filesystem and S3) that share every line of logic above the
 * backend (hashing, tree listings, verification). The store knows no pipeline types: the documents a run
 * writes (records, run documents) and their keys are lib/protocol's.
 *
 * Layout (identical on disk and in S3, relative to the store root or bucket prefix):
 * - `cas/sha256/<hex>`        immutable blobs (file contents and tree listings), named by SHA-256
 * - `uris/<hex>.json`         which content a listing of an `s3://` location (keys, ETags, sizes) produced
 * - `quarantine/…`            corrupt objects moved aside
 * - `locks/<hex>.lock`         step locks of running steps (lib/engine/step-lock.ts), not documents
 * - anything else             JSON documents written with `putJson` (see lib/protocol/store-keys.ts)
 */

/** A content hash: `sha256:<64 lowercase hex>`. */
export type Hash = `sha256:${string}`;

/**
 * A reference to an artifact: a file is its blob hash (`sha256:…`), a directory is its tree
 * listing's hash prefixed with `tree:` (`tree:sha256:…`).
 */
export type ArtifactRef = Hash | `tree:${Hash}`;

/** One entry of a tree listing. */
export interface TreeEntry {
  readonly name: string;
  readonly type: 'file' | 'tree';
  /** `0o755` for executables, else `0o644`; trees are always `0o755`. */
  readonly mode: number;
  /** Blob hash (file) or tree listing hash (tree). */
  readonly hash: Hash;
  /** Bytes (files only). */
  readonly size?: number;
}

/** A directory's canonical listing (entries sorted by name, stored as canonical JSON in `cas/`). */
export interface TreeListing {
  readonly type: 'tree';
  readonly entries: readonly TreeEntry[];
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

  /** Reads a small JSON document by store-relative key (e.g. `runs/<id>.json`); undefined when absent. */
  getJson<T>(key: string): Promise<T | undefined>;
  /** Writes a small JSON document atomically. */
  putJson(key: string, value: unknown): Promise<void>;
  /** Whether a document is present, asked of the store itself (a stat or HEAD; never answered from a cache). */
  hasDocument(key: string): Promise<boolean>;
  /** Lists store-relative keys under a prefix (e.g. `runs/`), non-recursively for directories: returns full keys. */
  list(prefix: string): Promise<string[]>;
}

/**
 * The small storage interface under the content-addressed store: plain keyed objects.
 *
 * Everything content-addressed (hashing, verification, tree listings) lives above it in
 * `CasStore`, so the filesystem and S3 backends share that logic and only move bytes.
 */
import type { Readable } from 'node:stream';

/** An object opened for reading. */
export interface BackendReadable {
  readonly stream: Readable;
  /** Size the backend reports, when it knows it. @default - unknown */
  readonly size?: number;
}

/** Age after which S3 re-stamps a blob written again (one CopyObject): within it, gc's grace still covers it. */
export const REFRESH_AFTER_MS = 10 * 60 * 1000;

/** How `putBytes` treats an existing object. */
export type WriteMode =
  /** Immutable objects (blobs): never rewrite what is present. */
  | 'create'
  /** Mutable documents (records, run documents): replace atomically. */
  | 'replace';

/**
 * Compare-and-swap on small objects, for leases that several processes or machines share (step locks).
 *
 * Each write names the version it expects (a tag: S3's ETag), so of two racing writers exactly one wins.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export interface ConditionalObjects {
  /** Creates `key` only when it is absent; returns its tag, or undefined when it already exists. */
  create(key: string, data: Uint8Array): Promise<string | undefined>;
  /** Reads an object with its tag; undefined when absent. */
  read(key: string): Promise<{ readonly data: Buffer; readonly tag: string } | undefined>;
  /** Replaces `key` only while its tag is `tag`; returns the new tag, or undefined when it changed or is gone. */
  replace(key: string, data: Uint8Array, tag: string): Promise<string | undefined>;
  /** Deletes `key` only while its tag is `tag`; returns whether it did. */
  remove(key: string, tag: string): Promise<boolean>;
}

/** Storage of keyed objects under one root (a directory or a bucket prefix). */
export interface StoreBackend {
  /** The root, for people: `/abs/path/.pipewright` or `s3://bucket/prefix`. */
  readonly location: string;
  /** Where one key lives, for messages (a file path or an `s3://` URL). */
  where(key: string): string;
  /** Whether an object is present. */
  exists(key: string): Promise<boolean>;
  /**
   * Whether an immutable object is present, marking it as written now when it is: a blob written again must
   * look recent to `pipewright gc`, whose `--grace` protects recent objects only, or gc could delete content a
   * record written meanwhile names. The filesystem sets the file's time; S3, whose objects cannot be touched,
   * copies an object older than {@link REFRESH_AFTER_MS} onto itself.
   */
  refresh(key: string): Promise<boolean>;
  /** Writes bytes atomically (readers see the old object, none, or the whole new one). */
  putBytes(key: string, data: Uint8Array, mode: WriteMode): Promise<void>;
  /** Writes a local file's content atomically as an immutable object; `onProgress` gets bytes sent so far. */
  putFile(key: string, localPath: string, size: number, onProgress?: (bytes: number) => void): Promise<void>;
  /** Reads a whole object; undefined when absent. */
  getBytes(key: string): Promise<Buffer | undefined>;
  /** Opens an object for streaming; undefined when absent. */
  openRead(key: string): Promise<BackendReadable | undefined>;
  /**
   * Lists the keys directly under a prefix, sorted; "sub-directories" appear once with a trailing `/`
   * (like S3's CommonPrefixes with delimiter `/`).
   */
  list(prefix: string): Promise<string[]>;
  /** Moves an object aside under `quarantine/`, keeping its bytes; returns where it went (for messages). */
  quarantine(key: string): Promise<string>;
  /** Size and last modification of an object; undefined when absent (used by `pipewright gc`). */
  stat(key: string): Promise<{ readonly size: number; readonly modifiedAt: Date } | undefined>;
  /** Deletes an object; deleting an absent one is not an error (used by `pipewright gc`). */
  remove(key: string): Promise<void>;
  /** Conditional writes, where the backend has them (S3). @default - none (the filesystem locks by exclusive create) */
  readonly conditional?: ConditionalObjects;
}

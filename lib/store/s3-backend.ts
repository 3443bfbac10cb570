/**
 * The S3 backend: objects are S3 objects under `s3://<bucket>/<prefix>`.
 *
 * A single PutObject is atomic (readers see the old object, none, or the new one), so no temp keys are
 * needed: blob keys are their hashes and records are written last by the layer above. Files larger than
 * one part go up as a parallel multipart upload (`@aws-sdk/lib-storage`).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { GetObjectCommandOutput, ListObjectsV2CommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { REFRESH_AFTER_MS, type BackendReadable, type ConditionalObjects, type StoreBackend, type WriteMode } from './backend';
import { QUARANTINE_PREFIX } from './layout';

/** Options of the S3 backend. */
export interface S3BackendOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket (a trailing `/` is added when missing). @default - the bucket root */
  readonly prefix?: string;
  /** The client to use. @default - `createS3Client()` */
  readonly client?: S3Client;
  /** Multipart part size in bytes; files up to this size go up in one PutObject. @default 8 MiB */
  readonly partSize?: number;
  /** Parts uploaded at once per file. @default 4 */
  readonly queueSize?: number;
  /** Age after which a blob written again is re-stamped by a CopyObject onto itself. @default REFRESH_AFTER_MS (10 minutes) */
  readonly refreshAfterMs?: number;
}

/** The largest object one CopyObject copies (5 GiB). */
const MAX_COPY_BYTES = 5 * 1024 ** 3;

type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<S3Sdk> | undefined;

/** The S3 SDK, loaded on first use: it takes a fifth of a second, which CLI commands on a local store should not pay. */
function s3Sdk(): Promise<S3Sdk> {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}

/**
 * Creates an S3 client configured for the store.
 *
 * Checksums are computed and validated only when an API requires them, because S3-compatible test
 * servers (s3rver) would otherwise store the aws-chunked framing as the object; the store verifies
 * SHA-256 of every read itself. `PIPEWRIGHT_S3_ENDPOINT` selects a custom endpoint (path-style).
 */
export async function createS3Client(config: S3ClientConfig = {}): Promise<S3Client> {
  const endpoint = process.env.PIPEWRIGHT_S3_ENDPOINT;
  const { S3Client } = await s3Sdk();
  return new S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
}

/** Stores objects in an S3 bucket under a prefix. */
export class S3Backend implements StoreBackend {
  public readonly location: string;
  private readonly client: Promise<S3Client>;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly refreshAfterMs: number;

  constructor(options: S3BackendOptions) {
    this.bucket = options.bucket;
    const p = (options.prefix ?? '').replace(/^\/+/, '');
    this.prefix = p === '' || p.endsWith('/') ? p : `${p}/`;
    this.client = options.client ? Promise.resolve(options.client) : createS3Client();
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    this.refreshAfterMs = options.refreshAfterMs ?? REFRESH_AFTER_MS;
    this.location = `s3://${this.bucket}/${this.prefix.replace(/\/$/, '')}`.replace(/\/$/, '');
  }

  /** Sends one command, built from the SDK module once it is loaded. */
  private async send<T>(build: (sdk: S3Sdk) => unknown): Promise<T> {
    const [client, mod] = await Promise.all([this.client, s3Sdk()]);
    return (await client.send(build(mod) as never)) as T;
  }

  public where(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  public async exists(key: string): Promise<boolean> {
    try {
      await this.send<unknown>((sdk) => new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  public async stat(key: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    try {
      const head = await this.send<{ ContentLength?: number; LastModified?: Date }>(
        (sdk) => new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  public async refresh(key: string): Promise<boolean> {
    const st = await this.stat(key);
    if (!st) return false;
    if (Date.now() - st.modifiedAt.getTime() < this.refreshAfterMs) return true;
    // CopyObject takes up to 5 GiB in one request; a larger blob is uploaded again by the caller instead.
    if (st.size > MAX_COPY_BYTES) return false;
    try {
      // Copying an object onto itself must change something: REPLACE (with the same, empty, metadata) does.
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
      await this.send<unknown>(
        (sdk) =>
          new sdk.CopyObjectCommand({
            Bucket: this.bucket,
            Key: this.prefix + key,
            CopySource: `${this.bucket}/${encodeURIComponent(this.prefix + key).replace(/%2F/g, '/')}`,
            MetadataDirective: 'REPLACE',
          }),
      );
      return true;
    } catch (err) {
      // Gone meanwhile, or a role that may write blobs but not read them (CopyObject needs both): the caller
      // uploads the content again, which stamps it just as well.
      if (isNotFound(err) || isAccessDenied(err)) return false;
      throw err;
    }
  }

  public async remove(key: string): Promise<void> {
    await this.send<unknown>((sdk) => new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  public async putBytes(key: string, data: Uint8Array, _mode: WriteMode): Promise<void> {
    await this.send<unknown>(
      (sdk) => new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: data, ContentLength: data.byteLength }),
    );
  }

  public async putFile(key: string, localPath: string, size: number, onProgress?: (bytes: number) => void): Promise<void> {
    if (size <= this.partSize) {
      await this.putBytes(key, await readFile(localPath), 'create');
      onProgress?.(size);
      return;
    }
    const { Upload } = await import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client: await this.client,
      params: { Bucket: this.bucket, Key: this.prefix + key, Body: createReadStream(localPath, { highWaterMark: 1 << 20 }) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    if (onProgress) upload.on('httpUploadProgress', (p) => p.loaded !== undefined && onProgress(p.loaded));
    await upload.done();
  }

  public async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.send<GetObjectCommandOutput>((sdk) => new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  public async openRead(key: string): Promise<BackendReadable | undefined> {
    try {
      const out = await this.send<GetObjectCommandOutput>((sdk) => new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { stream: out.Body as Readable, size: out.ContentLength };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  public async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.send<ListObjectsV2CommandOutput>(
        (sdk) =>
          new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, Delimiter: '/', ContinuationToken: token }),
      );
      for (const c of out.Contents ?? []) if (c.Key) keys.push(c.Key.slice(this.prefix.length));
      for (const c of out.CommonPrefixes ?? []) if (c.Prefix) keys.push(c.Prefix.slice(this.prefix.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  public async quarantine(key: string): Promise<string> {
    const qKey = `${this.prefix}${QUARANTINE_PREFIX}${key.replaceAll('/', '_')}.${Date.now()}.${randomBytes(3).toString('hex')}`;
    const source = `${this.bucket}/${(this.prefix + key).split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.send<unknown>((sdk) => new sdk.CopyObjectCommand({ Bucket: this.bucket, Key: qKey, CopySource: source }));
    } catch (err) {
      if (isNotFound(err)) return `${this.where(QUARANTINE_PREFIX)} (by another reader)`;
      throw err;
    }
    await this.send<unknown>((sdk) => new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    return `s3://${this.bucket}/${qKey}`;
  }

  /**
   * Compare-and-swap with S3 conditional writes (`If-None-Match: *`, `If-Match: <ETag>` on PutObject) and
   * conditional deletes (`If-Match` on DeleteObject): a failed precondition is 412, a concurrent conditional
   * request on the same key 409 (ConditionalRequestConflict); both mean "someone else changed it".
   * Servers that ignore these headers (s3rver) make every write succeed: step locks probe for that first.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
   */
  public readonly conditional: ConditionalObjects = {
    create: (key, data) => this.conditionalPut(key, data, { IfNoneMatch: '*' }),
    replace: (key, data, tag) => this.conditionalPut(key, data, { IfMatch: tag }),
    read: async (key) => {
      try {
        const out = await this.send<GetObjectCommandOutput>((sdk) => new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
        return { data: Buffer.from(await out.Body!.transformToByteArray()), tag: out.ETag ?? '' };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    remove: async (key, tag) => {
      try {
        await this.send<unknown>((sdk) => new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, IfMatch: tag }));
        return true;
      } catch (err) {
        if (isPreconditionFailed(err) || isNotFound(err)) return false;
        throw err;
      }
    },
  };

  private async conditionalPut(key: string, data: Uint8Array, condition: { IfNoneMatch?: string; IfMatch?: string }): Promise<string | undefined> {
    try {
      const out = await this.send<{ ETag?: string }>(
        (sdk) => new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: data, ContentLength: data.byteLength, ...condition }),
      );
      return out.ETag ?? '';
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** 412 Precondition Failed, or 409 ConditionalRequestConflict (a concurrent conditional request won). */
function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict';
}

function isAccessDenied(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

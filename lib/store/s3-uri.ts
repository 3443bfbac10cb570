/**
 * Resolves `uri: s3://bucket/key` inputs to content in the store, so they enter cache keys by content.
 *
 * An object becomes a file artifact; a prefix (`s3://bucket/data/`, or a key with no object but objects
 * below it) becomes a directory tree. Downloading to hash on every run would be wasteful, so the store
 * remembers, under `uris/<sha256>.json`, which content reference a listing of (key, ETag, size) produced:
 * S3 gives an overwritten object a new ETag, so an unchanged listing means unchanged content.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { NotFoundError, UsageError } from '../errors';
import { parseS3Uri, type S3Location } from '../ir';
import { canonicalJson } from './canonical-json';
import { hashBytes, refHash } from './hash';
import { uriListingKey } from './layout';
import { createS3Client } from './s3-backend';
import type { ArtifactRef, ArtifactStore } from './types';

/** One object of a listing: key relative to the input's prefix ('' for a single object), ETag, size. */
interface Listed {
  readonly rel: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** Options of `createS3UriResolver`. */
export interface S3UriResolverOptions {
  /** Client for the input buckets. @default - `createS3Client()` (default credentials, `PIPEWRIGHT_S3_ENDPOINT`) */
  readonly client?: S3Client;
  /** Where downloads are staged before they are stored. @default - the OS temp directory */
  readonly tmpDir?: string;
}

/** Parses `s3://bucket/key`; throws a UsageError naming the step and input otherwise. */
function s3LocationOf(uri: string, where: string): S3Location {
  const parts = parseS3Uri(uri);
  if (!parts) throw new UsageError(`${where}: ${JSON.stringify(uri)} is not an s3:// URI; expected s3://<bucket>/<key or prefix/>.`);
  return parts;
}

/**
 * Creates a resolver for `uri:` inputs: `(uri, step, input) → ArtifactRef` stored in `store`.
 *
 * Only `s3://` is supported; any other scheme fails naming the step and input.
 */
export function createS3UriResolver(
  store: ArtifactStore,
  options: S3UriResolverOptions = {},
): (uri: string, step: string, input: string) => Promise<ArtifactRef> {
  let client: Promise<S3Client> | undefined;
  const s3 = (): Promise<S3Client> => (client ??= options.client ? Promise.resolve(options.client) : createS3Client());

  const list = async (bucket: string, key: string): Promise<Listed[]> => {
    const sdk = await import('@aws-sdk/client-s3');
    const c = await s3();
    if (key !== '' && !key.endsWith('/')) {
      try {
        const head = await c.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
        return [{ rel: '', key, etag: head.ETag ?? '', size: head.ContentLength ?? 0 }];
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name !== 'NotFound' && e.$metadata?.httpStatusCode !== 404) throw err;
      }
    }
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const out: Listed[] = [];
    let token: string | undefined;
    do {
      const page = await c.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue; // "folder" placeholder objects carry no content
        out.push({ rel: o.Key.slice(prefix.length), key: o.Key, etag: o.ETag ?? '', size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  };

  const download = async (bucket: string, key: string, dest: string): Promise<void> => {
    const sdk = await import('@aws-sdk/client-s3');
    const out = await (await s3()).send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    await mkdir(dirname(dest), { recursive: true });
    await pipeline(out.Body as Readable, createWriteStream(dest));
  };

  return async (uri, step, input) => {
    const where = `Step '${step}' input '${input}'`;
    const { bucket, key } = s3LocationOf(uri, where);
    const listing = await list(bucket, key);
    if (listing.length === 0) {
      throw new NotFoundError(`${where}: ${uri} names no object and no objects under it; upload the data or fix the uri.`);
    }
    const memoKey = uriListingKey(hashBytes(canonicalJson({ v: 1, bucket, listing })));
    const memo = await store.getJson<{ ref: ArtifactRef }>(memoKey).catch(() => undefined);
    if (memo && (await store.has(refHash(memo.ref)))) return memo.ref;

    const tmp = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'pw-uri-'));
    try {
      const single = listing.length === 1 && listing[0].rel === '';
      const root = join(tmp, 'data');
      for (const o of listing) {
        if (!single && o.rel.split('/').some((part) => part === '..' || part === '.' || part === '')) {
          throw new UsageError(`${where}: object ${o.key} under ${uri} has a key that cannot be a file path; rename it.`);
        }
        await download(bucket, o.key, single ? root : join(root, o.rel));
      }
      const ref = await store.putPath(root);
      await store.putJson(memoKey, { ref, uri, listedAt: new Date().toISOString() });
      return ref;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  };
}

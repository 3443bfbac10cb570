/**
 * Factories: a store from a directory, a bucket, or a location string (`path` or `s3://bucket/prefix`).
 */
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../errors';
import { parseS3Uri } from '../ir';
import { CasStore, type CasStoreOptions } from './cas-store';
import { FsBackend, type FsBackendOptions } from './fs-backend';
import { S3Backend, type S3BackendOptions } from './s3-backend';

/** The store directory used when none is given. */
export const DEFAULT_STORE_DIR = './.pipewright';

/** The store location used when none is given: `PIPEWRIGHT_STORE`, else `./.pipewright`. */
export function defaultStoreLocation(): string {
  const env = process.env.PIPEWRIGHT_STORE;
  return env !== undefined && env !== '' ? env : DEFAULT_STORE_DIR;
}

/** Options of `createFsStore`. */
export interface FsStoreOptions extends FsBackendOptions, CasStoreOptions {}

/** Opens a store in a local directory (created on first write); a relative `root` is resolved from the cwd. */
export function createFsStore(root: string, options: FsStoreOptions = {}): CasStore {
  return new CasStore(new FsBackend(resolve(root), options), options);
}

/** Options of `createS3Store`. */
export interface S3StoreOptions extends S3BackendOptions, CasStoreOptions {}

/**
 * Opens a store in an S3 bucket under a prefix.
 *
 * A `client` you pass is used as is: configure it with `requestChecksumCalculation` and
 * `responseChecksumValidation` set to `'WHEN_REQUIRED'` for S3-compatible servers (see `createS3Client`).
 */
export function createS3Store(options: S3StoreOptions): CasStore {
  if (!options.bucket) throw new UsageError('createS3Store: bucket is required (e.g. { bucket: "my-artifacts" }).');
  return new CasStore(new S3Backend(options), options);
}

/** Options of `openStore`. */
export interface OpenStoreOptions extends FsStoreOptions {
  /** Client for `s3://` locations. @default - `createS3Client()` (honours `PIPEWRIGHT_S3_ENDPOINT`) */
  readonly client?: S3Client;
}

/** Opens the store at a location: a directory path, or `s3://bucket[/prefix]`. */
export function openStore(location: string = defaultStoreLocation(), options: OpenStoreOptions = {}): CasStore {
  if (location.startsWith('s3://')) {
    const m = parseS3Uri(location);
    if (!m) {
      throw new UsageError(`Invalid store location ${JSON.stringify(location)}: expected s3://<bucket>[/<prefix>], e.g. s3://my-artifacts/pipewright.`);
    }
    return createS3Store({ ...options, bucket: m.bucket, prefix: m.key });
  }
  if (location === '') throw new UsageError('Invalid store location "": expected a directory path or s3://<bucket>[/<prefix>].');
  return createFsStore(location, options);
}

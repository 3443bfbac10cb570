/**
 * The content-addressed artifact store: blobs by SHA-256, directories as Merkle trees and small JSON
 * documents, on the local filesystem or in S3 behind one interface (`ArtifactStore`). It knows no
 * pipeline types (those are lib/protocol's).
 *
 * ```ts
 * import { openStore, hashBytes, canonicalJson } from '../store';
 * const store = openStore(process.env.PIPEWRIGHT_STORE ?? './.pipewright'); // or 's3://bucket/prefix'
 * const ref = await store.putPath('data/');         // 'tree:sha256:…'
 * await store.materialize(ref, '/tmp/copy');        // verifies every hash on the way out
 * const hash = hashBytes(canonicalJson({ a: 1 }));  // the hash of a canonical document
 * ```
 */
export * from './types';
export { canonicalJson } from './canonical-json';
export { hashBytes, hashFile, HashingStream, hexOf, isArtifactRef, isHash, isTreeRef, refHash } from './hash';
export { blobKey, uriListingKey, QUARANTINE_PREFIX } from './layout';
export type { BackendReadable, ConditionalObjects, StoreBackend, WriteMode } from './backend';
export { REFRESH_AFTER_MS } from './backend';
export { FsBackend, type FsBackendOptions } from './fs-backend';
export { S3Backend, createS3Client, type S3BackendOptions } from './s3-backend';
export { createS3UriResolver, type S3UriResolverOptions } from './s3-uri';
export { CasStore, type CasStoreOptions } from './cas-store';
export { decodeTreeListing, encodeTreeListing, fileModeOf, makeTreeListing, EXECUTABLE_MODE, REGULAR_MODE } from './tree';
export {
  createFsStore,
  createS3Store,
  defaultStoreLocation,
  openStore,
  DEFAULT_STORE_DIR,
  type FsStoreOptions,
  type OpenStoreOptions,
  type S3StoreOptions,
} from './open';

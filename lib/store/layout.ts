/**
 * Where the store's own objects live, relative to its root directory or bucket prefix (see types.ts).
 */
import { UsageError } from '../errors';
import { hexOf } from './hash';
import type { Hash } from './types';

/** The key of a blob: `cas/sha256/<hex>`. */
export function blobKey(hash: Hash): string {
  return `cas/sha256/${hexOf(hash)}`;
}

/** The key of the memo of an `s3://` listing (by the hash of the listing): `uris/<hex>.json`. */
export function uriListingKey(listing: Hash): string {
  return `uris/${hexOf(listing)}.json`;
}

/** The prefix under which corrupt objects are moved aside. */
export const QUARANTINE_PREFIX = 'quarantine/';

const SEGMENT_RE = /^[^/\\\0]+$/;

/** Checks a store-relative key (no `..`, no leading `/`, no empty segment); throws UsageError otherwise. */
export function checkKey(key: string, what = 'store key'): void {
  const segments = key.split('/');
  const bad = segments.find((s) => !SEGMENT_RE.test(s) || s === '.' || s === '..');
  if (key.length === 0 || bad !== undefined) {
    throw new UsageError(
      `Invalid ${what} ${JSON.stringify(key)}: expected a relative key of '/'-separated names such as ` +
        "'runs/<id>.json' (no empty, '.' or '..' segments, no backslash or NUL).",
    );
  }
}

/** Checks a list prefix: like a key, but it may be empty or end with `/`. */
export function checkPrefix(prefix: string): void {
  if (prefix === '') return;
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'store prefix');
}

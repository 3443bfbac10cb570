/**
 * The cache key of a step: the SHA-256 of its canonical CacheKeyDocument.
 */
import { canonicalJson, hashBytes } from '../store';
import type { CacheKeyDocument, Hash } from '../store/types';

/** Hashes a key document (canonical JSON, so key order and whitespace never matter). */
export function cacheKey(doc: CacheKeyDocument): Hash {
  return hashBytes(canonicalJson(doc));
}

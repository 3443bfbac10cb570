/**
 * The cache-key document of a step and its hash, the step's cache key.
 */
import { canonicalJson, hashBytes, type ArtifactRef, type Hash } from '../store';

/** The components that make a step's cache key (see docs/compiler.md: the key is the SHA-256 of this, canonical). */
export interface CacheKeyDocument {
  readonly v: 1;
  readonly code: ArtifactRef | null;
  readonly command: readonly string[];
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  /** Input name → content reference of what the step received. */
  readonly inputs: Readonly<Record<string, ArtifactRef>>;
  /** Declared parameter name → value. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** Output names, sorted. */
  readonly outputs: readonly string[];
  readonly cacheVersion: string | null;
}

/** Hashes a key document (canonical JSON, so key order and whitespace never matter). */
export function cacheKey(doc: CacheKeyDocument): Hash {
  return hashBytes(canonicalJson(doc));
}

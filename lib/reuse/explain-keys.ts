/**
 * Explains, one human line per component, why two cache keys differ (`pipewright explain`).
 */
import type { CacheKeyDocument } from '../protocol';
import type { ArtifactRef, ArtifactStore } from '../store';
import { diffTrees } from './tree-diff';

/** Options for `explainKeys`. */
export interface ExplainOptions {
  /** Store to read code trees from, to name the changed files. @default - code changes are shown as tree hashes */
  readonly store?: ArtifactStore;
  /** Prefix for file names in code changes, e.g. `steps/` (the code dir relative to the pipeline file). @default '' */
  readonly codePrefix?: string;
}

/** Abbreviates a hash or reference for display: `sha256:ab12cd34…`. */
export function shortRef(ref: string | null | undefined): string {
  if (ref === null || ref === undefined) return '(none)';
  const m = /^(tree:)?sha256:([0-9a-f]{8})[0-9a-f]*$/.exec(ref);
  return m ? `${m[1] ?? ''}sha256:${m[2]}…` : ref;
}

function show(v: unknown): string {
  return v === undefined || v === null ? '(none)' : JSON.stringify(v);
}

function shellWords(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function sortedKeys(...objs: Readonly<Record<string, unknown>>[]): string[] {
  return [...new Set(objs.flatMap((o) => Object.keys(o)))].sort();
}

/**
 * Lines saying what differs from key document `a` (earlier) to `b` (later); empty when they are equal.
 *
 * E.g. `input train: sha256:ab12cd34… → sha256:cd34ef56…`, `param epochs: 300 → 500`,
 * `code: steps/train.mjs changed`.
 */
export async function explainKeys(a: CacheKeyDocument, b: CacheKeyDocument, opts: ExplainOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  if (a.code !== b.code) lines.push(...(await explainCode(a.code, b.code, opts)));
  if (JSON.stringify(a.command) !== JSON.stringify(b.command)) {
    lines.push(`command: ${shellWords(a.command)} → ${shellWords(b.command)}`);
  }
  if (a.image !== b.image) lines.push(`image: ${a.image} → ${b.image}`);
  for (const k of sortedKeys(a.env, b.env)) {
    if (a.env[k] !== b.env[k]) lines.push(`env ${k}: ${show(a.env[k])} → ${show(b.env[k])}`);
  }
  for (const k of sortedKeys(a.inputs, b.inputs)) {
    const x = a.inputs[k];
    const y = b.inputs[k];
    if (x !== y) lines.push(`input ${k}: ${x === undefined ? '(none)' : shortRef(x)} → ${y === undefined ? '(none)' : shortRef(y)}`);
  }
  for (const k of sortedKeys(a.params, b.params)) {
    if (a.params[k] !== b.params[k]) lines.push(`param ${k}: ${show(a.params[k])} → ${show(b.params[k])}`);
  }
  if (JSON.stringify(a.outputs) !== JSON.stringify(b.outputs)) {
    lines.push(`outputs: [${a.outputs.join(', ')}] → [${b.outputs.join(', ')}]`);
  }
  if (a.cacheVersion !== b.cacheVersion) lines.push(`cacheVersion: ${show(a.cacheVersion)} → ${show(b.cacheVersion)}`);
  if (a.v !== b.v) lines.push(`key format: v${a.v} → v${b.v}`);
  return lines;
}

async function explainCode(a: ArtifactRef | null, b: ArtifactRef | null, opts: ExplainOptions): Promise<string[]> {
  const fallback = [`code: ${shortRef(a)} → ${shortRef(b)}`];
  if (!opts.store || a === null || b === null || !a.startsWith('tree:') || !b.startsWith('tree:')) return fallback;
  try {
    const changes = await diffTrees(opts.store, a, b);
    if (changes.length === 0) return fallback;
    const prefix = opts.codePrefix ?? '';
    return changes.map((c) => `code: ${prefix}${c.path} ${c.change}`);
  } catch {
    // A tree no longer (or not yet) in this store: the hashes are all we can show.
    return fallback;
  }
}

/**
 * The items of a foreach step, read at run time from what its source resolved to.
 *
 * A directory (an upstream output, or an S3 prefix copied into the store) gives one item per entry, sorted
 * by name; a JSON array file gives one item per element; a list parameter one item per string.
 */
import { RunFailedError } from '../errors';
import type { JobItem } from '../protocol';
import { MAX_FOREACH_ITEMS } from '../ir';
import { canonicalJson, decodeTreeListing } from '../store';
import type { ArtifactRef, ArtifactStore, Hash } from '../store';

/** Width of the zero-padded index that names a value item (`0042`). */
const INDEX_WIDTH = String(MAX_FOREACH_ITEMS - 1).length;

/** The name of the item at `index` when it has none of its own. */
export function indexName(index: number): string {
  return String(index).padStart(INDEX_WIDTH, '0');
}

/** Items from a list of values (a list parameter, or a JSON array); non-string elements are stored as JSON files. */
export async function itemsOfValues(values: readonly unknown[], store: ArtifactStore): Promise<JobItem[]> {
  return Promise.all(
    values.map(async (v, index): Promise<JobItem> => {
      const name = indexName(index);
      if (typeof v === 'string') return { index, name, value: v };
      if (typeof v === 'number' || typeof v === 'boolean') return { index, name, value: JSON.stringify(v) };
      return { index, name, ref: await store.putBytes(Buffer.from(canonicalJson(v), 'utf8')) };
    }),
  );
}

/** Items from an artifact: a directory's entries, or a JSON array file's elements. */
export async function itemsOfArtifact(ref: ArtifactRef, store: ArtifactStore, what: string, step: string): Promise<JobItem[]> {
  if (ref.startsWith('tree:')) {
    const hash = ref.slice('tree:'.length) as Hash;
    const tree = decodeTreeListing(await store.getBytes(hash), hash, what);
    return tree.entries.map((e, index) => ({ index, name: e.name, ref: e.type === 'tree' ? (`tree:${e.hash}` as const) : e.hash }));
  }
  const text = (await store.getBytes(ref as Hash)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    throw new RunFailedError(
      `Step '${step}': foreach over ${what} needs a directory (one item per entry) or a JSON array file, but it is a file that ` +
        `is not a JSON array (it starts ${JSON.stringify(text.slice(0, 40))}); write a JSON array such as ["a","b"] or a directory there.`,
      step,
    );
  }
  return itemsOfValues(parsed, store);
}

/** Throws a run error when a list has more items than a foreach step may have. */
export function checkItemCount(count: number, what: string, step: string): void {
  if (count > MAX_FOREACH_ITEMS) {
    throw new RunFailedError(
      `Step '${step}': foreach over ${what} has ${count.toLocaleString('en-US')} items; the most is ` +
        `${MAX_FOREACH_ITEMS.toLocaleString('en-US')} (AWS Batch's array size). Group items into fewer, larger files upstream.`,
      step,
    );
  }
}

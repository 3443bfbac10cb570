/**
 * Names the files that differ between two stored trees (for `explain`).
 */
import { decodeTreeListing, type ArtifactRef, type ArtifactStore, type Hash, type TreeEntry } from '../store';

/** One path that differs between two trees. */
export interface TreeChange {
  /** Slash-separated path relative to the trees' roots. */
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed' | 'mode changed';
}

/** Lists the files added, removed or changed from tree `a` to tree `b` (sorted by path). */
export async function diffTrees(store: ArtifactStore, a: ArtifactRef, b: ArtifactRef): Promise<TreeChange[]> {
  const changes: TreeChange[] = [];
  await diffInto(store, treeHash(a), treeHash(b), '', changes);
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function treeHash(ref: ArtifactRef): Hash {
  if (!ref.startsWith('tree:')) throw new Error(`${ref} is a file, not a tree`);
  return ref.slice('tree:'.length) as Hash;
}

async function readTree(store: ArtifactStore, hash: Hash): Promise<Map<string, TreeEntry>> {
  const listing = decodeTreeListing(await store.getBytes(hash), hash, store.location);
  return new Map(listing.entries.map((e) => [e.name, e]));
}

async function listAll(store: ArtifactStore, entry: TreeEntry, path: string, change: TreeChange['change'], out: TreeChange[]): Promise<void> {
  if (entry.type === 'file') {
    out.push({ path, change });
    return;
  }
  for (const e of (await readTree(store, entry.hash)).values()) await listAll(store, e, `${path}/${e.name}`, change, out);
}

async function diffInto(store: ArtifactStore, a: Hash, b: Hash, prefix: string, out: TreeChange[]): Promise<void> {
  if (a === b) return;
  const [ea, eb] = await Promise.all([readTree(store, a), readTree(store, b)]);
  for (const [name, x] of ea) {
    const path = prefix + name;
    const y = eb.get(name);
    if (!y) {
      await listAll(store, x, path, 'removed', out);
    } else if (x.type === 'tree' && y.type === 'tree') {
      await diffInto(store, x.hash, y.hash, `${path}/`, out);
    } else if (x.type !== y.type) {
      await listAll(store, x, path, 'removed', out);
      await listAll(store, y, path, 'added', out);
    } else if (x.hash !== y.hash) {
      out.push({ path, change: 'changed' });
    } else if (x.mode !== y.mode) {
      out.push({ path, change: 'mode changed' });
    }
  }
  for (const [name, y] of eb) {
    if (!ea.has(name)) await listAll(store, y, prefix + name, 'added', out);
  }
}

/**
 * Tree listings: the canonical description of a directory (sorted entries with mode and hash).
 *
 * A listing is stored as a canonical-JSON blob, so its hash identifies the whole directory and an
 * unchanged file inside a changed directory keeps its blob.
 */
import { IntegrityError } from '../errors';
import { canonicalJson } from './canonical-json';
import { isHash } from './hash';
import type { Hash, TreeEntry, TreeListing } from './types';

/** Mode recorded for executable files and for trees. */
export const EXECUTABLE_MODE = 0o755;
/** Mode recorded for other files. */
export const REGULAR_MODE = 0o644;

/** The recorded mode for a file with the given `stat` mode bits (executable for anyone → 0o755). */
export function fileModeOf(statMode: number): number {
  return statMode & 0o111 ? EXECUTABLE_MODE : REGULAR_MODE;
}

/** Builds a listing from entries in any order (sorts them by name, code-unit order). */
export function makeTreeListing(entries: readonly TreeEntry[]): TreeListing {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { type: 'tree', entries: sorted };
}

/** The canonical bytes of a listing (the ones its hash is taken of). */
export function encodeTreeListing(listing: TreeListing): Buffer {
  return Buffer.from(canonicalJson(listing), 'utf8');
}

/**
 * Parses and checks a listing blob's bytes; throws IntegrityError if they are not a valid listing.
 *
 * Entry names are checked to be single path segments, so materializing can never write outside its
 * destination, whatever the listing says.
 */
export function decodeTreeListing(bytes: Buffer, hash: Hash, where: string): TreeListing {
  const fail = (why: string): never => {
    throw new IntegrityError(
      `Tree listing ${hash} at ${where} is not a valid tree listing: ${why}. ` +
        'Expected {"type":"tree","entries":[{name,type,mode,hash,size?}...]} sorted by name; ' +
        're-store the directory (re-run the step that produced it).',
      hash,
    );
  };
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return fail(`it is not JSON (${(err as Error).message})`);
  }
  const m = doc as { type?: unknown; entries?: unknown };
  if (typeof doc !== 'object' || doc === null || m.type !== 'tree' || !Array.isArray(m.entries)) {
    return fail('it has no "type":"tree" and "entries" array');
  }
  let previous: string | undefined;
  for (const [i, raw] of (m.entries as unknown[]).entries()) {
    const e = raw as Partial<TreeEntry>;
    const at = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) fail(`${at} is not an object`);
    if (typeof e.name !== 'string' || e.name === '' || e.name === '.' || e.name === '..' || /[/\\\0]/.test(e.name)) {
      fail(`${at}.name ${JSON.stringify(e.name)} is not a single path segment`);
    }
    if (previous !== undefined && !(previous < e.name!)) fail(`${at}.name ${JSON.stringify(e.name)} is out of order or repeated`);
    previous = e.name;
    if (e.type !== 'file' && e.type !== 'tree') fail(`${at}.type ${JSON.stringify(e.type)} is not "file" or "tree"`);
    if (e.mode !== EXECUTABLE_MODE && e.mode !== REGULAR_MODE) fail(`${at}.mode ${String(e.mode)} is not 0o755 or 0o644`);
    if (!isHash(e.hash)) fail(`${at}.hash ${JSON.stringify(e.hash)} is not a sha256:<hex> hash`);
    if (e.type === 'file' && (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0)) {
      fail(`${at}.size ${String(e.size)} is not a byte count`);
    }
  }
  return doc as TreeListing;
}

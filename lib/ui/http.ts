/**
 * The UI's HTTP routes inside `serve`: `/` → `/ui/`, the page, its two assets, and artifact downloads from
 * the store (a file's bytes, or a directory's listing with a link per file).
 */
import { decodeTreeListing, type ArtifactStore, type Hash } from '../store';
import { loadUiAssets } from './assets';
import { servedPage } from './page';

/** One UI response (`body` may be bytes). */
export interface UiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
}

const HASH = /^sha256:[0-9a-f]{64}$/;

function text(statusCode: number, body: string, type = 'text/plain; charset=utf-8'): UiResponse {
  return { statusCode, headers: { 'content-type': type, 'cache-control': 'no-store' }, body };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

async function artifact(store: ArtifactStore, ref: string, name: string): Promise<UiResponse> {
  const tree = ref.startsWith('tree:');
  const hash = (tree ? ref.slice(5) : ref) as Hash;
  if (!HASH.test(hash)) return text(400, `${ref} is not an artifact reference (sha256:<64 hex> or tree:sha256:<64 hex>).\n`);
  let bytes: Buffer;
  try {
    bytes = await store.getBytes(hash);
  } catch {
    return text(404, `No artifact ${ref} in the store at ${store.location}.\n`);
  }
  if (!tree) {
    const file = name.replace(/[^\w.-]/g, '_') || 'artifact';
    return { statusCode: 200, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${file}"` }, body: bytes };
  }
  const manifest = decodeTreeListing(bytes, hash, ref);
  const rows = manifest.entries
    .map((e) => {
      const target = e.type === 'tree' ? `tree:${e.hash}` : e.hash;
      return `<li><a href="/ui/artifacts/${encodeURIComponent(target)}?name=${encodeURIComponent(e.name)}">${escapeHtml(e.name)}${e.type === 'tree' ? '/' : ''}</a> ${e.size !== undefined ? `(${e.size} bytes)` : ''}</li>`;
    })
    .join('\n');
  return text(200, `<!doctype html><meta charset="utf-8"><title>${escapeHtml(name)}</title><h1>${escapeHtml(name)}/</h1><p>${escapeHtml(ref)}</p><ul>${rows}</ul>`, 'text/html; charset=utf-8');
}

/** Answers a UI path, or `undefined` when the path belongs to the API. */
export async function uiResponse(method: string, path: string, query: Readonly<Record<string, string>>, store: ArtifactStore | undefined): Promise<UiResponse | undefined> {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (path === '/') return { statusCode: 302, headers: { location: '/ui/' }, body: '' };
  if (path !== '/ui' && !path.startsWith('/ui/')) return undefined;
  if (path === '/ui' || path === '/ui/') return text(200, servedPage(), 'text/html; charset=utf-8');
  if (path === '/ui/app.js') return text(200, (await loadUiAssets()).js, 'text/javascript; charset=utf-8');
  if (path === '/ui/app.css') return text(200, (await loadUiAssets()).css, 'text/css; charset=utf-8');
  const m = /^\/ui\/artifacts\/([^/]+)$/.exec(path);
  if (m) {
    if (!store) return text(404, 'This server has no store to download artifacts from; start it with --store.\n');
    return artifact(store, decodeURIComponent(m[1]), query.name ?? 'artifact');
  }
  return text(404, `No UI page at ${path}; open /ui/.\n`);
}

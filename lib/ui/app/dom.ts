/**
 * A tiny DOM builder and the formatters every view shares.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** Creates an element: `h('a', { href: '#/' }, 'runs')`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

/** `1.2 s`, `340 ms`, `2 min 3 s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A metric value with 4 significant digits. */
export function num(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

/** `sha256:ab12cd34…`. */
export function short(ref: string | undefined): string {
  if (!ref) return '-';
  const m = /^(tree:)?sha256:([0-9a-f]{8})/.exec(ref);
  return m ? `${m[1] ?? ''}sha256:${m[2]}…` : ref;
}

/** `2026-11-30 18:17:54`. */
export function when(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') : '-';
}

/** `k=v k2=v2`. */
export function params(p: Readonly<Record<string, unknown>>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** A status badge; `data-status` lets tests and CSS read the state. */
export function badge(status: string): HTMLElement {
  return h('span', { class: `badge st-${status}`, 'data-status': status }, status);
}

/** The hash route's link for a view. */
export const link = {
  runs: (p: string) => `#/p/${encodeURIComponent(p)}`,
  run: (p: string, r: string, step?: string) => `#/r/${encodeURIComponent(p)}/${encodeURIComponent(r)}${step ? `/${encodeURIComponent(step)}` : ''}`,
  compare: (p: string, a: string, b: string) => `#/c/${encodeURIComponent(p)}/${encodeURIComponent(a)}/${encodeURIComponent(b)}`,
  metric: (p: string, m?: string) => `#/m/${encodeURIComponent(p)}${m ? `/${encodeURIComponent(m)}` : ''}`,
  lineage: (ref?: string) => `#/l${ref ? `/${encodeURIComponent(ref)}` : ''}`,
};

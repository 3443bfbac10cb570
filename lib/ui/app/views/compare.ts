/**
 * Two runs side by side: parameters, metrics, and which steps differ and why (the explain diff).
 */
import type { ApiRunDetail } from '../../../api';
import type { DataSource } from '../data';
import { badge, h, link, num } from '../dom';

function lastMetrics(run: ApiRunDetail): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [step, s] of Object.entries(run.steps)) for (const [m, v] of Object.entries(s.metrics ?? {})) out[`${step}.${m}`] = v;
  return out;
}

function fmt(v: unknown): string {
  return v === undefined ? '—' : typeof v === 'number' ? num(v) : typeof v === 'string' ? v : JSON.stringify(v);
}

/** Renders the comparison of run `a` (baseline) with run `b`. */
export async function compareView(root: HTMLElement, data: DataSource, pipeline: string, a: string, b: string): Promise<void> {
  const [ra, rb] = await Promise.all([data.run(pipeline, a), data.run(pipeline, b)]);
  const keys = (x: object, y: object) => [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  const paramRows = keys(ra.parameters, rb.parameters).map((k) => {
    const x = ra.parameters[k];
    const y = rb.parameters[k];
    return h('tr', { class: JSON.stringify(x) === JSON.stringify(y) ? '' : 'differs', 'data-param': k }, h('td', {}, k), h('td', {}, fmt(x)), h('td', {}, fmt(y)));
  });
  const ma = lastMetrics(ra);
  const mb = lastMetrics(rb);
  const metricRows = keys(ma, mb).map((k) => {
    const d = ma[k] !== undefined && mb[k] !== undefined ? mb[k] - ma[k] : undefined;
    return h(
      'tr',
      { class: ma[k] === mb[k] ? '' : 'differs', 'data-metric': k },
      h('td', { class: 'mono' }, h('a', { href: link.metric(pipeline, k) }, k)),
      h('td', { class: 'num' }, fmt(ma[k])),
      h('td', { class: 'num' }, fmt(mb[k])),
      h('td', { class: 'num' }, d === undefined || d === 0 ? '' : `${d > 0 ? '+' : ''}${num(d)}`),
    );
  });
  const steps = keys(ra.steps, rb.steps);
  const stepRows = await Promise.all(
    steps.map(async (s) => {
      const x = ra.steps[s];
      const y = rb.steps[s];
      const same = x?.cacheKey !== undefined && x.cacheKey === y?.cacheKey;
      let why: (HTMLElement | string)[] = [same ? 'same key: same code, inputs and parameters' : ''];
      if (!same && x && y) {
        const diff = await data.explain(pipeline, b, s, a).catch((err: Error) => ({ lines: [err.message], verdict: 'unknown' }));
        why = [h('ul', {}, diff.lines.map((l) => h('li', { class: 'mono' }, l)))];
      } else if (!x || !y) why = [`only in run ${x ? a : b}`];
      return h(
        'tr',
        { class: same ? '' : 'differs', 'data-step': s, 'data-same': String(same) },
        h('td', {}, s),
        h('td', {}, x ? badge(x.status) : '—'),
        h('td', {}, y ? badge(y.status) : '—'),
        h('td', {}, ...why),
      );
    }),
  );
  root.replaceChildren(
    h('h1', {}, `Compare runs of `, h('a', { href: link.runs(pipeline) }, pipeline)),
    h('p', {}, h('a', { href: link.run(pipeline, a), class: 'mono' }, a), ` ${ra.status} (baseline) → `, h('a', { href: link.run(pipeline, b), class: 'mono' }, b), ` ${rb.status}`),
    h('h2', {}, 'Parameters'),
    h('table', { class: 'compare params' }, h('thead', {}, h('tr', {}, h('th', {}, 'parameter'), h('th', {}, a), h('th', {}, b))), h('tbody', {}, paramRows)),
    h('h2', {}, 'Metrics (last value)'),
    h('table', { class: 'compare metrics' }, h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', {}, a), h('th', {}, b), h('th', {}, 'change'))), h('tbody', {}, metricRows)),
    h('h2', {}, 'Steps'),
    h('table', { class: 'compare steps' }, h('thead', {}, h('tr', {}, h('th', {}, 'step'), h('th', {}, a), h('th', {}, b), h('th', {}, 'why the key differs'))), h('tbody', {}, stepRows)),
  );
}

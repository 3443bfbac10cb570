/**
 * The runs of a pipeline: status, trigger, parameters, duration, reuse savings; filterable; pick two to compare.
 */
import type { ApiRunSummary } from '../../../api';
import type { DataSource } from '../data';
import { badge, duration, h, link, params, when } from '../dom';

/** Whether a run matches the filter text (words must all appear) and the status filter. */
export function matches(run: ApiRunSummary, text: string, status: string): boolean {
  if (status && run.status !== status) return false;
  const hay = `${run.runId} ${run.status} ${run.trigger ?? ''} ${params(run.parameters)} ${run.version ?? ''}`.toLowerCase();
  return text.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

/** Renders the runs list of `pipeline` into `root`. */
export async function runsView(root: HTMLElement, data: DataSource, pipeline: string): Promise<void> {
  const pipelines = await data.pipelines();
  let page = await data.runs(pipeline);
  const runs: ApiRunSummary[] = [...page.runs];
  const picked = new Set<string>();
  const text = h('input', { type: 'search', placeholder: 'filter: run id, trigger, parameter=value…', class: 'filter', 'aria-label': 'filter runs' });
  const status = h(
    'select',
    { class: 'status-filter', 'aria-label': 'status' },
    ...['', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => h('option', { value: s }, s || 'any status')),
  );
  const compare = h('a', { class: 'button disabled', id: 'compare', href: '#' }, 'Compare 2 selected');
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const tbody = h('tbody', {});
  const more = h('button', { class: 'more' }, 'Load older runs');
  const count = h('span', { class: 'muted' });

  function updateCompare(): void {
    const [a, b] = [...picked].sort(); // the older run is the baseline
    compare.classList.toggle('disabled', picked.size !== 2);
    compare.setAttribute('href', picked.size === 2 ? link.compare(pipeline, a, b) : '#');
  }

  function row(r: ApiRunSummary): HTMLElement {
    const box = h('input', {
      type: 'checkbox',
      'aria-label': `select ${r.runId}`,
      onchange: (e: Event) => {
        if ((e.target as HTMLInputElement).checked) picked.add(r.runId);
        else picked.delete(r.runId);
        updateCompare();
      },
    });
    if (picked.has(r.runId)) box.checked = true;
    const s = r.steps;
    return h(
      'tr',
      { 'data-run': r.runId, 'data-status': r.status },
      h('td', {}, box),
      h('td', {}, h('a', { href: link.run(pipeline, r.runId), class: 'mono' }, r.runId)),
      h('td', {}, badge(r.status)),
      h('td', {}, r.trigger ?? '-'),
      h('td', { class: 'params' }, params(r.parameters) || '-'),
      h('td', {}, when(r.startedAt)),
      h('td', { class: 'num' }, r.status === 'running' ? `${duration(r.durationMs)}…` : duration(r.durationMs)),
      h('td', { class: 'num', title: 'ran / reused / failed / skipped' }, `${s.ran} / ${s.reused} / ${s.failed} / ${s.skipped}${s.pending ? ` (+${s.pending})` : ''}`),
      h('td', { class: 'num' }, r.savedMs ? duration(r.savedMs) : '-'),
    );
  }

  function render(): void {
    const shown = runs.filter((r) => matches(r, text.value, status.value));
    tbody.replaceChildren(...shown.map(row));
    count.textContent = `${shown.length} of ${runs.length} run(s)${page.nextCursor ? ' loaded' : ''}`;
    more.hidden = !page.nextCursor;
  }
  text.addEventListener('input', render);
  status.addEventListener('change', render);
  more.addEventListener('click', async () => {
    page = await data.runs(pipeline, page.nextCursor);
    runs.push(...page.runs);
    render();
  });

  root.replaceChildren(
    h('nav', { class: 'tabs' }, ...pipelines.map((p) => h('a', { href: link.runs(p), class: p === pipeline ? 'active' : '' }, p))),
    h('h1', {}, `Runs of ${pipeline}`),
    h(
      'div',
      { class: 'toolbar' },
      text,
      status,
      compare,
      metricNames.length
        ? h('a', { class: 'button', href: link.metric(pipeline, metricNames.find((m) => /accuracy|loss/.test(m)) ?? metricNames[0]) }, 'Metrics across runs')
        : null,
      count,
    ),
    runs.length === 0
      ? h('p', { class: 'empty' }, `No runs of ${pipeline} yet; start one with 'pipewright run <pipeline.yaml>' or POST /pipelines/${pipeline}/runs.`)
      : h(
          'table',
          { class: 'runs' },
          h('thead', {}, h('tr', {}, ...['', 'run', 'status', 'trigger', 'parameters', 'started (UTC)', 'duration', 'ran/reused/failed/skipped', 'saved by reuse'].map((c) => h('th', {}, c)))),
          tbody,
        ),
    more,
  );
  render();
}

/**
 * One run: header, the DAG with each step's state (live while running), the timeline, and the selected
 * step's logs, metrics (full series), outputs, cache key and explain diff against a chosen run.
 */
import type { ApiRunDetail, ApiStepDetail, ApiRunSummary } from '../../../api';
import { lineChart } from '../chart';
import { condense, FULL_LAYOUT_MAX, renderDag, type StepGroup } from '../dag';
import type { DataSource } from '../data';
import { badge, duration, h, link, num, params, short, when } from '../dom';
import { renderGantt } from '../gantt';

/** How often a running run is polled. */
const POLL_MS = 1000;

/** Metric name → its points, in logged order. */
function seriesByName(detail: ApiStepDetail): Map<string, { x: number; y: number }[]> {
  const out = new Map<string, { x: number; y: number }[]>();
  for (const m of detail.metricSeries) {
    const list = out.get(m.name) ?? [];
    list.push({ x: m.step ?? list.length, y: m.value });
    out.set(m.name, list);
  }
  return out;
}

function metricsSection(detail: ApiStepDetail): HTMLElement {
  const series = seriesByName(detail);
  if (series.size === 0) return h('p', { class: 'muted' }, 'This step logged no metrics.');
  const rows = [...series].map(([name, pts]) =>
    h('tr', { 'data-metric': name }, h('td', { class: 'mono' }, name), h('td', { class: 'num' }, num(pts[pts.length - 1].y)), h('td', { class: 'num' }, pts.length)),
  );
  const charts = [...series].filter(([, pts]) => pts.length > 1).map(([name, pts]) =>
    lineChart(pts.map((p) => p.x), pts.map((p) => p.y), { title: name, xLabel: 'step', yLabel: name, width: 420, height: 180 }),
  );
  return h(
    'div',
    { class: 'metrics' },
    h('table', { class: 'kv' }, h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', {}, 'last'), h('th', {}, 'points'))), h('tbody', {}, rows)),
    h('div', { class: 'charts' }, charts),
  );
}

function logsSection(detail: ApiStepDetail): HTMLElement {
  if (!detail.logs) return h('p', { class: 'muted' }, `No captured output (status: ${detail.status}).`);
  return h(
    'div',
    { class: 'logs' },
    detail.logs.truncated ? h('p', { class: 'muted' }, 'Showing the last 256 KiB of each stream; `pipewright logs` prints all of it.') : null,
    h('h4', {}, 'stdout'),
    h('pre', { class: 'log stdout' }, detail.logs.stdout || '(empty)'),
    h('h4', {}, 'stderr'),
    h('pre', { class: 'log stderr' }, detail.logs.stderr || '(empty)'),
  );
}

function outputsSection(data: DataSource, detail: ApiStepDetail): HTMLElement {
  const outs = Object.entries(detail.outputs ?? {});
  if (outs.length === 0) return h('p', { class: 'muted' }, 'No outputs.');
  return h(
    'table',
    { class: 'kv outputs' },
    h('tbody', {}, outs.map(([name, ref]) =>
      h(
        'tr',
        { 'data-output': name },
        h('td', {}, name),
        h('td', { class: 'mono', title: ref }, short(ref)),
        h('td', {}, data.artifactUrl ? h('a', { href: data.artifactUrl(ref, name), download: name }, ref.startsWith('tree:') ? 'files' : 'download') : `pipewright get ${detail.runId} ${detail.name}.${name}`),
        h('td', {}, data.static ? null : h('a', { href: link.lineage(`${detail.runId}.${detail.name}.${name}`) }, 'lineage')),
      ),
    )),
  );
}

function explainSection(data: DataSource, detail: ApiStepDetail, others: readonly ApiRunSummary[]): HTMLElement {
  if (data.static) return h('p', { class: 'muted' }, `Run 'pipewright explain ${detail.runId} ${detail.name}' for why it ran or was reused.`);
  const candidates = others.filter((r) => r.runId !== detail.runId);
  if (candidates.length === 0) return h('p', { class: 'muted' }, 'No other run of this pipeline to compare with.');
  const select = h('select', { class: 'against', 'aria-label': 'compare with run' }, ...candidates.map((r) => h('option', { value: r.runId }, `${r.runId} (${r.status})`)));
  const older = candidates.find((r) => r.runId < detail.runId);
  if (older) select.value = older.runId;
  const out = h('div', { class: 'explain-out' });
  const go = async () => {
    out.textContent = '…';
    try {
      const diff = await data.explain(detail.pipeline, detail.runId, detail.name, select.value);
      out.replaceChildren(h('p', { 'data-verdict': diff.verdict }, `${diff.verdict} against ${diff.against}:`), h('ul', {}, diff.lines.map((l) => h('li', { class: 'mono' }, l))));
    } catch (err) {
      out.textContent = (err as Error).message;
    }
  };
  select.addEventListener('change', go);
  void go();
  return h('div', { class: 'explain' }, h('label', {}, 'Why does the key differ from run ', select), out);
}

function keySection(detail: ApiStepDetail): HTMLElement {
  return h(
    'table',
    { class: 'kv' },
    h('tbody', {},
      h('tr', {}, h('td', {}, 'cache key'), h('td', { class: 'mono cache-key' }, detail.cacheKey ?? '-')),
      detail.recordRunId ? h('tr', {}, h('td', {}, 'reused from run'), h('td', {}, h('a', { href: link.run(detail.pipeline, detail.recordRunId, detail.name) }, detail.recordRunId))) : null,
      detail.keyDocument ? h('tr', {}, h('td', {}, 'key inputs'), h('td', { class: 'mono' }, Object.entries(detail.keyDocument.inputs).map(([k, v]) => `${k}=${short(v)}`).join(' ') || '-')) : null,
      detail.keyDocument ? h('tr', {}, h('td', {}, 'key params'), h('td', { class: 'mono' }, params(detail.keyDocument.params) || '-')) : null,
      detail.keyDocument ? h('tr', {}, h('td', {}, 'code'), h('td', { class: 'mono' }, short(detail.keyDocument.code ?? undefined))) : null,
    ),
  );
}

/** Renders the selected step's panel. */
async function stepPanel(panel: HTMLElement, data: DataSource, run: ApiRunDetail, step: string, others: readonly ApiRunSummary[]): Promise<void> {
  panel.replaceChildren(h('p', { class: 'muted' }, `Loading ${step}…`));
  const d = await data.step(run.pipeline, run.runId, step);
  panel.replaceChildren(
    h(
      'section',
      { class: 'step', 'data-step': step, 'data-status': d.status },
      h('h2', {}, step, ' ', badge(d.status)),
      h('p', { class: 'facts' },
        `started ${when(d.startedAt)} · ${d.status === 'reused' ? `saved ${duration(d.savedMs)}` : duration(d.durationMs)}`,
        d.exitCode !== undefined ? ` · exit ${d.exitCode}` : '',
        d.items ? ` · ${d.items.total} items (${d.items.ran} ran, ${d.items.reused} reused, ${d.items.failed} failed)` : '',
        d.skipReason ? ` · skipped: ${d.skipReason}` : ''),
      d.error ? h('p', { class: 'error' }, d.error) : null,
      d.failedItems?.length
        ? h('div', { class: 'failed-items' }, h('h3', {}, `Failed items (${d.failedItems.length})`),
            h('ul', {}, d.failedItems.slice(0, 200).map((f) => h('li', { 'data-item': f.index }, h('span', { class: 'mono' }, `#${f.index} ${f.name}`), `: ${f.error}`))))
        : null,
      h('h3', {}, 'Logs'), logsSection(d),
      h('h3', {}, 'Metrics'), metricsSection(d),
      h('h3', {}, 'Outputs'), outputsSection(data, d),
      h('h3', {}, 'Cache key'), keySection(d),
      h('h3', {}, 'Explain'), explainSection(data, d, others),
    ),
  );
}

function header(run: ApiRunDetail): HTMLElement {
  const saved = Object.values(run.steps).reduce((t, s) => t + (s.status === 'reused' ? (s.savedMs ?? 0) : 0), 0);
  return h(
    'header',
    { class: 'run-head', 'data-status': run.status },
    h('h1', {}, h('span', { class: 'mono' }, run.runId), ' ', badge(run.status)),
    h('p', { class: 'facts' },
      h('a', { href: link.runs(run.pipeline) }, run.pipeline),
      ` · trigger ${run.trigger ?? 'unknown'} · started ${when(run.startedAt)} · ${run.status === 'running' ? 'running for ' : ''}${duration(run.durationMs)}`,
      saved ? ` · reuse saved ${duration(saved)}` : '',
      run.version !== undefined ? ` · version ${run.version}` : ''),
    h('p', { class: 'params' }, `parameters: ${params(run.parameters) || '(none)'}`),
    run.error ? h('p', { class: 'error' }, run.error) : null,
  );
}

/** Renders one run; returns a function that stops its polling. */
export async function runView(root: HTMLElement, data: DataSource, pipeline: string, runId: string, initialStep?: string): Promise<() => void> {
  let run = await data.run(pipeline, runId);
  const others = data.static ? [] : (await data.runs(pipeline).catch(() => ({ runs: [] }))).runs;
  const names = Object.keys(run.steps);
  let selected = initialStep && run.steps[initialStep] ? initialStep : (names.find((n) => run.steps[n].status === 'failed') ?? undefined);
  const head = h('div', {});
  const dagBox = h('div', { class: 'dag-box', id: 'dag' });
  const ganttBox = h('div', { class: 'gantt-box', id: 'gantt' });
  const panel = h('div', { class: 'panel', id: 'step' }, h('p', { class: 'muted' }, 'Select a step in the graph or the timeline.'));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const select = (step: string): void => {
    selected = step;
    if (!data.static) history.replaceState(null, '', link.run(pipeline, runId, step));
    for (const n of dagBox.querySelectorAll('.node')) n.classList.toggle('selected', n.getAttribute('data-step') === step);
    void stepPanel(panel, data, run, step, others).catch((err: Error) => panel.replaceChildren(h('p', { class: 'error' }, err.message)));
  };
  const showGroup = (group: StepGroup): void => {
    for (const n of dagBox.querySelectorAll('.node')) n.classList.toggle('selected', n.getAttribute('data-step') === group.name);
    panel.replaceChildren(
      h(
        'section',
        { class: 'group', 'data-group': group.name },
        h('h2', {}, group.name),
        h('ul', { class: 'members' }, group.members.map((m) => h('li', {}, h('a', { href: '#', onclick: (e: Event) => { e.preventDefault(); select(m); } }, m), ' ', badge(run.steps[m].status)))),
      ),
    );
  };
  const draw = (): void => {
    head.replaceChildren(header(run));
    if (Object.keys(run.steps).length > FULL_LAYOUT_MAX) {
      // Laying out every step of a large run takes dagre seconds: show one node per level instead.
      const { nodes, groups } = condense(run.steps);
      dagBox.replaceChildren(
        h('p', { class: 'muted' }, `${Object.keys(run.steps).length} steps, shown by level; select a level to list its steps.`),
        renderDag(nodes, undefined, (g) => showGroup(groups.get(g)!), 'steps'),
      );
    } else dagBox.replaceChildren(renderDag(run.steps, selected, select));
    ganttBox.replaceChildren(renderGantt(run, select));
  };
  draw();
  root.replaceChildren(
    head,
    h('h2', {}, 'Graph'), dagBox,
    h('h2', {}, 'Timeline'), ganttBox,
    panel,
  );
  if (selected) select(selected);

  const poll = async (): Promise<void> => {
    if (stopped) return;
    const before = JSON.stringify(run.steps[selected ?? '']?.status);
    run = await data.run(pipeline, runId);
    if (stopped) return;
    draw();
    if (selected && JSON.stringify(run.steps[selected]?.status) !== before) select(selected);
    if (run.status === 'running') timer = setTimeout(() => void poll().catch(() => undefined), POLL_MS);
  };
  if (run.status === 'running' && !data.static) timer = setTimeout(() => void poll().catch(() => undefined), POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

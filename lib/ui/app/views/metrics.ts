/**
 * One metric over the runs of a pipeline (oldest to newest), with the runs it came from.
 */
import type { ApiRunSummary } from '../../../api';
import { lineChart } from '../chart';
import type { DataSource } from '../data';
import { badge, h, link, num, params, when } from '../dom';

/** Renders the chart of `metric` (`<step>.<name>`) across the runs of `pipeline`. */
export async function metricsView(root: HTMLElement, data: DataSource, pipeline: string, metric: string | undefined): Promise<void> {
  const runs: ApiRunSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await data.runs(pipeline, cursor, 500);
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor && runs.length < 2000);
  runs.reverse(); // oldest first
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const chosen = metric ?? names[0];
  const select = h('select', { class: 'metric-select', 'aria-label': 'metric' }, ...names.map((n) => h('option', { value: n }, n)));
  if (chosen) select.value = chosen;
  select.addEventListener('change', () => (location.hash = link.metric(pipeline, select.value)));
  const withValue = runs.filter((r) => chosen && r.metrics[chosen] !== undefined);
  root.replaceChildren(
    h('h1', {}, 'Metrics across runs of ', h('a', { href: link.runs(pipeline) }, pipeline)),
    h('div', { class: 'toolbar' }, select),
    !chosen
      ? h('p', { class: 'empty' }, `No run of ${pipeline} logged a metric.`)
      : withValue.length === 0
        ? h('p', { class: 'empty' }, `No run of ${pipeline} logged ${chosen}; pick one of: ${names.join(', ')}.`)
        : h(
            'div',
            {},
            lineChart(withValue.map((_, i) => i), withValue.map((r) => r.metrics[chosen]), {
              title: `${chosen} over ${withValue.length} run(s)`,
              xLabel: 'run',
              yLabel: chosen,
              width: 760,
              height: 300,
              xNames: withValue.map((r) => r.runId),
            }),
            h(
              'table',
              { class: 'runs metric-runs' },
              h('thead', {}, h('tr', {}, ...['#', 'run', 'status', 'started (UTC)', 'parameters', chosen].map((c) => h('th', {}, c)))),
              h('tbody', {}, withValue.map((r, i) =>
                h('tr', { 'data-run': r.runId },
                  h('td', {}, i),
                  h('td', {}, h('a', { href: link.run(pipeline, r.runId), class: 'mono' }, r.runId)),
                  h('td', {}, badge(r.status)),
                  h('td', {}, when(r.startedAt)),
                  h('td', { class: 'params' }, params(r.parameters)),
                  h('td', { class: 'num value' }, num(r.metrics[chosen])),
                ),
              )),
            ),
          ),
  );
}

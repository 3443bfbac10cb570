/**
 * Lineage of an artifact: the runs and steps that produced it and those that consumed it.
 */
import type { ApiLineageUse } from '../../../api';
import type { DataSource } from '../data';
import { badge, h, link, short, when } from '../dom';

function table(uses: readonly ApiLineageUse[], what: string, kind: string): HTMLElement {
  if (uses.length === 0) return h('p', { class: 'muted' }, `No run ${what} it.`);
  return h(
    'table',
    { class: `runs lineage ${kind}` },
    h('thead', {}, h('tr', {}, ...['pipeline', 'run', 'step', kind === 'produced' ? 'output' : 'input', 'status', 'started (UTC)'].map((c) => h('th', {}, c)))),
    h('tbody', {}, uses.map((u) =>
      h('tr', { 'data-run': u.runId, 'data-step': u.step },
        h('td', {}, u.pipeline),
        h('td', {}, h('a', { href: link.run(u.pipeline, u.runId, u.step), class: 'mono' }, u.runId)),
        h('td', {}, u.step),
        h('td', {}, u.name),
        h('td', {}, badge(u.status)),
        h('td', {}, when(u.startedAt)),
      ),
    )),
  );
}

/** Renders the lineage of `ref` (a hash or `run.step.output`), with a box to ask for another. */
export async function lineageView(root: HTMLElement, data: DataSource, ref: string | undefined): Promise<void> {
  const input = h('input', { type: 'search', class: 'lineage-ref', placeholder: 'sha256:… or <runId>.<step>.<output>', value: ref ?? '', 'aria-label': 'artifact' });
  const form = h('form', { class: 'toolbar', onsubmit: (e: Event) => { e.preventDefault(); location.hash = link.lineage(input.value.trim()); } }, input, h('button', { type: 'submit' }, 'Trace'));
  if (!ref) {
    root.replaceChildren(h('h1', {}, 'Lineage'), form);
    return;
  }
  const l = await data.lineage(ref);
  root.replaceChildren(
    h('h1', {}, 'Lineage of ', h('span', { class: 'mono', title: l.artifact }, short(l.artifact))),
    form,
    h('p', { class: 'muted' }, `${l.artifact} · ${l.runsScanned} run(s) searched`),
    h('h2', {}, 'Produced by'),
    table(l.producedBy, 'produced', 'produced'),
    h('h2', {}, 'Consumed by'),
    table(l.consumedBy, 'consumed', 'consumed'),
  );
}

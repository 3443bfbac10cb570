/**
 * The run's timeline: one bar per step from its start to its end, relative to the run's start.
 */
import type { ApiRunDetail } from '../../api';
import { duration, h } from './dom';

/** Renders the Gantt chart: a bar per step that executed; steps without a start time (reused, skipped, pending) are listed after, unbarred. */
export function renderGantt(run: ApiRunDetail, onSelect: (step: string) => void): HTMLElement {
  const t0 = Date.parse(run.startedAt);
  const rows = Object.entries(run.steps)
    .filter(([, s]) => s.startedAt)
    .map(([name, s]) => ({ name, s, start: Date.parse(s.startedAt!) - t0, ms: s.durationMs ?? 0 }))
    .sort((a, b) => a.start - b.start || a.name.localeCompare(b.name));
  const total = Math.max(1, run.durationMs, ...rows.map((r) => r.start + r.ms));
  const unbarred = Object.entries(run.steps).filter(([, s]) => !s.startedAt);
  if (rows.length === 0 && unbarred.length === 0) return h('p', { class: 'muted' }, 'This run has no steps.');
  const pct = (v: number) => `${Math.max(0, Math.min(100, (v / total) * 100)).toFixed(3)}%`;
  return h(
    'div',
    { class: 'gantt' },
    h('div', { class: 'gantt-axis' }, h('span', {}, '0'), h('span', {}, duration(total))),
    rows.map((r) =>
      h(
        'div',
        { class: 'gantt-row', 'data-step': r.name, onclick: () => onSelect(r.name) },
        h('span', { class: 'gantt-label', title: r.name }, r.name),
        h(
          'span',
          { class: 'gantt-track' },
          h('span', {
            class: `gantt-bar st-${r.s.status}`,
            style: `left:${pct(r.start)};width:max(2px,${pct(r.ms)})`,
            title: `${r.name}: ${r.s.status}, ${duration(r.ms)} from +${duration(r.start)}`,
          }),
        ),
      ),
    ),
    unbarred.map(([name, s]) =>
      h(
        'div',
        { class: 'gantt-row', 'data-step': name, onclick: () => onSelect(name) },
        h('span', { class: 'gantt-label', title: name }, name),
        h('span', { class: 'gantt-note muted' }, s.status === 'reused' ? `reused (saved ${duration(s.savedMs)})` : s.status),
      ),
    ),
  );
}

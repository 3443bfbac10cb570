/**
 * The Pipewright web UI: a hash router over the views (runs, run, compare, metrics, lineage, 404).
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { httpSource, NotFound, staticSource, type DataSource, type ReportSnapshot } from './data';
import { h, link } from './dom';
import { compareView } from './views/compare';
import { lineageView } from './views/lineage';
import { metricsView } from './views/metrics';
import { notFoundView } from './views/not-found';
import { runView } from './views/run';
import { runsView } from './views/runs';

declare global {
  interface Window {
    /** Set by a `pipewright report` file: the run it shows. */
    __PIPEWRIGHT_REPORT__?: ReportSnapshot;
    /** Set once a view has rendered (tests and the benchmark wait for it). */
    __pwRendered?: { route: string; ms: number };
  }
}

const report = window.__PIPEWRIGHT_REPORT__;
const data: DataSource = report ? staticSource(report) : httpSource('');
const main = h('main', { id: 'view' });
let stop: (() => void) | undefined;
let generation = 0;

async function render(): Promise<void> {
  const mine = ++generation;
  stop?.();
  stop = undefined;
  const t0 = performance.now();
  const hash = location.hash || (report ? link.run(report.run.pipeline, report.run.runId) : '#/');
  const [, kind, ...rest] = hash.replace(/^#/, '').split('/').map((s) => decodeURIComponent(s));
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    if (!kind) {
      const pipelines = await data.pipelines();
      if (pipelines.length === 0) {
        main.replaceChildren(h('p', { class: 'empty' }, "No pipelines and no runs yet: start one with 'pipewright run <pipeline.yaml>'."));
      } else await runsView(main, data, pipelines[0]);
    } else if (kind === 'p' && rest[0]) await runsView(main, data, rest[0]);
    else if (kind === 'r' && rest[1]) stop = await runView(main, data, rest[0], rest[1], rest[2]);
    else if (kind === 'c' && rest[2]) await compareView(main, data, rest[0], rest[1], rest[2]);
    else if (kind === 'm' && rest[0]) await metricsView(main, data, rest[0], rest[1]);
    else if (kind === 'l') await lineageView(main, data, rest[0]);
    else throw new NotFound(`No page at ${hash}; pages are #/p/<pipeline>, #/r/<pipeline>/<run>, #/c/<pipeline>/<a>/<b>, #/m/<pipeline>/<metric>, #/l/<artifact>.`);
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof NotFound) notFoundView(main, err.message, kind === 'l' ? undefined : rest[0]);
    else main.replaceChildren(h('section', { class: 'failure' }, h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, (err as Error).message)));
  }
  if (mine === generation) {
    window.__pwRendered = { route: hash, ms: performance.now() - t0 };
    document.body.dataset.rendered = hash;
  }
}

document.body.append(
  h('header', { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, 'Pipewright'),
    report ? h('span', { class: 'muted' }, `report generated ${report.generatedAt}`) : h('a', { href: link.lineage() }, 'Lineage')),
  main,
);
window.addEventListener('hashchange', () => void render());
void render();

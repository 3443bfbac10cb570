/**
 * Line charts with uPlot: a metric's series within a step, or one metric across a pipeline's runs.
 */
import uPlot from 'uplot';
import { h } from './dom';

/** Options of `lineChart`. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Label of each x value in the tooltip legend. @default - the number */
  readonly xNames?: readonly string[];
}

/** A chart of y over x; the element carries `data-points` for tests. */
export function lineChart(xs: readonly number[], ys: readonly (number | null)[], options: LineChartOptions): HTMLElement {
  const box = h('div', { class: 'chart', 'data-points': ys.length, 'data-title': options.title });
  const opts: uPlot.Options = {
    title: options.title,
    width: options.width ?? 560,
    height: options.height ?? 220,
    scales: { x: { time: false } },
    axes: [{ label: options.xLabel, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) }, { label: options.yLabel }],
    series: [
      { label: options.xLabel, value: (_u, v) => (v == null ? '-' : (options.xNames?.[Math.round(v)] ?? String(v))) },
      { label: options.yLabel, stroke: '#2563eb', width: 2, points: { show: ys.length <= 60, size: 6 } },
    ],
    legend: { show: true },
  };
  // Built after insertion so uPlot can measure; a microtask is enough.
  queueMicrotask(() => new uPlot(opts, [xs as number[], ys as (number | null)[]], box));
  return box;
}

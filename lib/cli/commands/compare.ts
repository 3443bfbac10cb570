/**
 * `pipewright compare <runA> <runB>`: two runs side by side — parameters, metrics, and which steps differ and why.
 */
import type { Command } from 'commander';
import type { ApiRunDetail } from '../../api';
import { formatDuration } from '../../engine';
import { HISTORY_OPTIONS, locateRun, openHistory, type HistoryFlags } from './history-reader';
import { table } from './runs';

function show(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function lastMetrics(run: ApiRunDetail): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [step, s] of Object.entries(run.steps)) for (const [m, v] of Object.entries(s.metrics ?? {})) out[`${step}.${m}`] = v;
  return out;
}

const union = (...objs: object[]) => [...new Set(objs.flatMap((o) => Object.keys(o)))].sort();

/** The comparison as JSON-able data: what `--json` prints and the text is made from. */
export interface Comparison {
  readonly a: ApiRunDetail;
  readonly b: ApiRunDetail;
  readonly parameters: { name: string; a: unknown; b: unknown; differs: boolean }[];
  readonly metrics: { name: string; a?: number; b?: number; change?: number }[];
  readonly steps: { name: string; a?: string; b?: string; sameKey: boolean; why: readonly string[] }[];
}

/** Compares run `b` with the baseline `a`. */
export async function compareRuns(flags: HistoryFlags, idA: string, idB: string): Promise<Comparison> {
  const opened = await openHistory(flags);
  const [ra, rb] = [await locateRun(opened, idA), await locateRun(opened, idB)];
  const [a, b] = await Promise.all([opened.history.runDetail(ra.pipeline, ra.runId), opened.history.runDetail(rb.pipeline, rb.runId)]);
  const ma = lastMetrics(a);
  const mb = lastMetrics(b);
  const steps = await Promise.all(
    union(a.steps, b.steps).map(async (name) => {
      const x = a.steps[name];
      const y = b.steps[name];
      const sameKey = x?.cacheKey !== undefined && x.cacheKey === y?.cacheKey;
      let why: readonly string[] = [];
      if (!x || !y) why = [`only in run ${x ? a.runId : b.runId}`];
      else if (!sameKey && a.pipeline === b.pipeline) why = (await opened.history.explain(b.pipeline, b.runId, name, a.runId)).lines;
      else if (!sameKey) why = ['runs of different pipelines: keys are not compared'];
      return { name, ...(x ? { a: x.status } : {}), ...(y ? { b: y.status } : {}), sameKey, why };
    }),
  );
  return {
    a,
    b,
    parameters: union(a.parameters, b.parameters).map((name) => ({
      name,
      a: a.parameters[name],
      b: b.parameters[name],
      differs: JSON.stringify(a.parameters[name]) !== JSON.stringify(b.parameters[name]),
    })),
    metrics: union(ma, mb).map((name) => ({
      name,
      ...(ma[name] !== undefined ? { a: ma[name] } : {}),
      ...(mb[name] !== undefined ? { b: mb[name] } : {}),
      ...(ma[name] !== undefined && mb[name] !== undefined ? { change: mb[name] - ma[name] } : {}),
    })),
    steps,
  };
}

/** The comparison as text. */
export function formatComparison(c: Comparison): string {
  const { a, b } = c;
  const lines = [
    `compare ${a.runId} (${a.pipeline}, baseline) → ${b.runId} (${b.pipeline})`,
    `status    ${a.status} → ${b.status}`,
    `duration  ${formatDuration(a.durationMs)} → ${formatDuration(b.durationMs)}`,
    '',
    table([['PARAMETER', 'A', 'B', ''], ...c.parameters.map((p) => [p.name, show(p.a), show(p.b), p.differs ? '*' : ''])]),
    '',
  ];
  if (c.metrics.length) {
    lines.push(
      table([
        ['METRIC', 'A', 'B', 'CHANGE'],
        ...c.metrics.map((m) => [m.name, show(m.a), show(m.b), m.change === undefined || m.change === 0 ? '' : `${m.change > 0 ? '+' : ''}${show(m.change)}`]),
      ]),
      '',
    );
  }
  const rows = [['STEP', 'A', 'B', 'KEY', 'WHY']];
  for (const s of c.steps) {
    const [first = '', ...rest] = s.sameKey ? ['same code, inputs and parameters'] : s.why;
    rows.push([s.name, s.a ?? '—', s.b ?? '—', s.sameKey ? 'same' : 'differs', first]);
    for (const r of rest) rows.push(['', '', '', '', r]);
  }
  lines.push(table(rows));
  return lines.join('\n');
}

/** Registers `compare`. */
export function registerCompare(program: Command): void {
  const cmd = program
    .command('compare')
    .description('Compare two runs: parameters, metrics, and which steps differ and why')
    .argument('<runA>', "baseline run id (or 'latest')")
    .argument('<runB>', "run id to compare with it (or 'latest')");
  for (const [flag, help] of HISTORY_OPTIONS) cmd.option(flag, help);
  cmd.option('--json', 'print the comparison as JSON').action(async (a: string, b: string, flags: HistoryFlags & { json?: boolean }) => {
    const c = await compareRuns(flags, a, b);
    process.stdout.write(
      flags.json ? `${JSON.stringify({ a: c.a.runId, b: c.b.runId, parameters: c.parameters, metrics: c.metrics, steps: c.steps }, null, 2)}\n` : `${formatComparison(c)}\n`,
    );
  });
}

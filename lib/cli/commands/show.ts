/**
 * `pipewright show <runId|latest>`: one run's status, steps, outputs and metrics.
 */
import type { Command } from 'commander';
import { formatDuration, formatSummary, loadRun, skipWhy, type RunDocument } from '../../engine';
import { runKey, type Metric, type StepRunDocument } from '../../protocol';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';
import { table } from './runs';

function short(ref: string): string {
  const m = /^(tree:)?sha256:([0-9a-f]{12})/.exec(ref);
  return m ? `${m[1] ?? ''}sha256:${m[2]}…` : ref;
}

function sig(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/**
 * The metrics of a run, one per line under its step: last value, and for a series its length and range.
 * `series` holds each step's full series where its step document was read.
 */
export function formatRunMetrics(doc: RunDocument, series: Readonly<Record<string, readonly Metric[]>> = {}): string {
  const rows: string[][] = [];
  for (const [step, s] of Object.entries(doc.steps)) {
    let first = true;
    for (const [name, value] of Object.entries(s.metrics ?? {})) {
      const points = (series[step] ?? []).filter((m) => m.name === name).map((m) => m.value);
      const range = points.length > 1 ? `(${points.length} points, min ${sig(Math.min(...points))}, max ${sig(Math.max(...points))})` : '';
      rows.push([first ? step : '', name, sig(value), range]);
      first = false;
    }
  }
  return rows.length ? table([['STEP', 'METRIC', 'LAST', 'SERIES'], ...rows]) : '';
}

/** The human form of a run document. */
export function formatRun(doc: RunDocument, series: Readonly<Record<string, readonly Metric[]>> = {}): string {
  const params = Object.entries(doc.parameters)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const lines = [
    `run       ${doc.runId}`,
    `pipeline  ${doc.pipeline}`,
    `status    ${doc.status}`,
    `started   ${doc.startedAt}`,
    `duration  ${doc.status === 'running' ? '-' : formatDuration(doc.durationMs)}`,
    `params    ${params || '(none)'}`,
    `store     ${doc.store}`,
    '',
  ];
  const rows = [['STEP', 'STATUS', 'TIME', 'KEY', 'OUTPUTS', 'METRICS']];
  const metrics = formatRunMetrics(doc, series);
  for (const [name, s] of Object.entries(doc.steps)) {
    rows.push([
      name,
      s.reason === 'condition' ? 'skipped (condition)' : s.status,
      s.status === 'reused' ? `(saved ${formatDuration(s.savedMs ?? 0)})` : s.durationMs !== undefined ? formatDuration(s.durationMs) : '-',
      s.cacheKey ? short(s.cacheKey) : '-',
      Object.entries(s.outputs ?? {})
        .map(([o, ref]) => `${o}=${short(ref)}`)
        .join(' ') || '-',
      Object.keys(s.metrics ?? {}).length ? String(Object.keys(s.metrics ?? {}).length) : '-',
    ]);
  }
  lines.push(table(rows));
  lines.push(...formatItems(doc));
  for (const [name, s] of Object.entries(doc.steps)) {
    if (s.reason === 'condition') lines.push('', `${name} skipped: ${skipWhy(s)}`);
  }
  if (metrics) lines.push('', metrics);
  if (doc.status !== 'running') lines.push('', formatSummary(doc));
  return lines.join('\n');
}

/** Lines for each foreach step: its item counts and failed items. */
export function formatItems(doc: RunDocument): string[] {
  const lines: string[] = [];
  for (const [name, s] of Object.entries(doc.steps)) {
    if (!s.items) continue;
    const { total, ran, reused, failed } = s.items;
    lines.push('', `${name}: ${total} items: ${ran} ran, ${reused} reused, ${failed} failed`);
    for (const f of s.failedItems ?? []) lines.push(`  item ${f.name} (#${f.index}) failed: ${f.error.split('\n')[0]}`);
  }
  return lines;
}

/** Registers `show`. */
export function registerShow(program: Command): void {
  program
    .command('show')
    .description('Show a run: its steps, cache keys, outputs and metrics')
    .argument('<runId>', "run id, or 'latest'")
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .option('--json', 'print the run document as JSON (as `run --json` does)')
    .action(async (id: string, flags: { store?: string; json?: boolean }) => {
      const store = openStore(storeLocation(flags.store));
      const doc = await loadRun(store, id);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      const series: Record<string, readonly Metric[]> = {};
      await Promise.all(
        Object.entries(doc.steps)
          .filter(([, s]) => Object.keys(s.metrics ?? {}).length > 0)
          .map(async ([step]) => {
            const stepDoc = await store.getJson<StepRunDocument>(runKey(doc.runId, step)).catch(() => undefined);
            if (stepDoc?.metrics) series[step] = stepDoc.metrics;
          }),
      );
      process.stdout.write(`${formatRun(doc, series)}\n`);
    });
}

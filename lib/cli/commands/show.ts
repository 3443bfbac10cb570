/**
 * `pipewright show <runId|latest>`: one run's status, steps, outputs and metrics.
 */
import type { Command } from 'commander';
import { formatDuration, formatMetrics, formatSummary, loadRun, skipWhy, type RunDocument } from '../../engine';
import { defaultStoreLocation, openStore } from '../../store';
import { table } from './runs';

function short(ref: string): string {
  const m = /^(tree:)?sha256:([0-9a-f]{12})/.exec(ref);
  return m ? `${m[1] ?? ''}sha256:${m[2]}…` : ref;
}

/** The human form of a run document. */
export function formatRun(doc: RunDocument): string {
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
  for (const [name, s] of Object.entries(doc.steps)) {
    rows.push([
      name,
      s.reason === 'condition' ? 'skipped (condition)' : s.status,
      s.status === 'reused' ? `(saved ${formatDuration(s.savedMs ?? 0)})` : s.durationMs !== undefined ? formatDuration(s.durationMs) : '-',
      s.cacheKey ? short(s.cacheKey) : '-',
      Object.entries(s.outputs ?? {})
        .map(([o, ref]) => `${o}=${short(ref)}`)
        .join(' ') || '-',
      formatMetrics(s.metrics ?? {}) || '-',
    ]);
  }
  lines.push(table(rows));
  lines.push(...formatItems(doc));
  for (const [name, s] of Object.entries(doc.steps)) {
    if (s.reason === 'condition') lines.push('', `${name} skipped: ${skipWhy(s)}`);
  }
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
      const store = openStore(flags.store ?? defaultStoreLocation());
      const doc = await loadRun(store, id);
      process.stdout.write(flags.json ? `${JSON.stringify(doc, null, 2)}\n` : `${formatRun(doc)}\n`);
    });
}

/**
 * `pipewright runs`: lists the runs in the store, oldest first.
 */
import type { Command } from 'commander';
import { formatDuration, listRuns, type RunDocument } from '../../engine';
import { defaultStoreLocation, openStore } from '../../store';

/** One row of `pipewright runs`. */
export function runRow(doc: RunDocument): string[] {
  const steps = Object.values(doc.steps);
  const ran = steps.filter((s) => s.status === 'ran').length;
  const reused = steps.filter((s) => s.status === 'reused').length;
  return [
    doc.runId,
    doc.pipeline,
    doc.status,
    doc.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    doc.status === 'running' ? '-' : formatDuration(doc.durationMs),
    `${ran}/${reused}`,
  ];
}

/** Formats rows as left-aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** Registers `runs`. */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('List the runs recorded in the store')
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .option('--json', 'print the run documents as a JSON array')
    .action(async (flags: { store?: string; json?: boolean }) => {
      const store = openStore(flags.store ?? defaultStoreLocation());
      const docs = await listRuns(store);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
        return;
      }
      if (docs.length === 0) {
        process.stdout.write(`No runs in ${store.location}; start one with 'pipewright run <pipeline.yaml>'.\n`);
        return;
      }
      const header = ['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'DURATION', 'RAN/REUSED'];
      process.stdout.write(`${table([header, ...docs.map(runRow)])}\n`);
    });
}

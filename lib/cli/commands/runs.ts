/**
 * `pipewright runs`: lists the runs in the store, oldest first.
 */
import type { Command } from 'commander';
import { formatDuration, listRuns, type RunDocument } from '../../engine';
import type { ApiRunSummary } from '../../api';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';
import { HISTORY_OPTIONS, openHistory, type HistoryFlags } from './history-reader';
import { positiveInt } from './trigger';

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

interface RunsFlags extends HistoryFlags {
  readonly json?: boolean;
  readonly limit?: string;
  readonly cursor?: string;
}

/** One row of a page of runs (`runs <pipeline>`, `runs --api`). */
export function summaryRow(r: ApiRunSummary): string[] {
  const s = r.steps;
  return [
    r.runId,
    r.pipeline,
    r.status,
    r.trigger ?? '-',
    r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.status === 'running' ? '-' : formatDuration(r.durationMs),
    `${s.ran}/${s.reused}${s.failed ? ` (${s.failed} failed)` : ''}`,
    r.savedMs ? formatDuration(r.savedMs) : '-',
    Object.entries(r.parameters).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') || '-',
  ];
}

/** Pages of runs from the history, newest first: one pipeline, or each pipeline in turn. */
async function listPages(pipeline: string | undefined, flags: RunsFlags): Promise<void> {
  const limit = flags.limit === undefined ? undefined : positiveInt('--limit', flags.limit);
  const opened = await openHistory(flags);
  const pipelines = pipeline ? [pipeline] : await opened.history.pipelineNames();
  const pages = [];
  for (const p of pipelines) pages.push({ pipeline: p, page: await opened.history.listRuns(p, limit, flags.cursor) });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(pipeline ? pages[0].page : pages, null, 2)}\n`);
    return;
  }
  const runs = pages.flatMap((x) => x.page.runs);
  if (runs.length === 0) {
    process.stdout.write(`No runs${pipeline ? ` of ${pipeline}` : ''} in ${opened.where}; start one with 'pipewright run <pipeline.yaml>' or 'pipewright trigger'.\n`);
    return;
  }
  const header = ['RUN', 'PIPELINE', 'STATUS', 'TRIGGER', 'STARTED', 'DURATION', 'RAN/REUSED', 'SAVED', 'PARAMETERS'];
  process.stdout.write(`${table([header, ...runs.map(summaryRow)])}\n`);
  for (const { pipeline: p, page } of pages) {
    if (page.nextCursor) process.stdout.write(`older runs of ${p}: pipewright runs ${p}${flags.api ? ` --api ${flags.api}` : ''} --cursor '${page.nextCursor}'\n`);
  }
}

/** Registers `runs`. */
export function registerRuns(program: Command): void {
  const cmd = program
    .command('runs')
    .description('List runs: every run in the store (oldest first), or one pipeline\'s or the API\'s runs newest first')
    .argument('[pipeline]', 'only the runs of this pipeline, newest first, a page at a time');
  for (const [flag, help] of HISTORY_OPTIONS) cmd.option(flag, help);
  cmd
    .option('--limit <n>', 'runs per page (with a pipeline or --api; default 50)')
    .option('--cursor <token>', 'the page after this one (printed under a page)')
    .option('--json', 'print the run documents (or the page) as JSON')
    .action(async (pipeline: string | undefined, flags: RunsFlags) => {
      if (pipeline !== undefined || flags.api !== undefined) {
        await listPages(pipeline, flags);
        return;
      }
      const store = openStore(storeLocation(flags.store));
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

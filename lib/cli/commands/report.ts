/**
 * `pipewright report <runId> --html FILE`: one run as a self-contained HTML file (the web UI's run view,
 * its data inlined; opens offline), to attach to a pull request or a ticket.
 */
import type { Command } from 'commander';
import type { ApiStepDetail } from '../../api';
import { UsageError } from '../../errors';
import { checkOutputPath, writeOutputFile } from '../private/paths';
import { HISTORY_OPTIONS, locateRun, openHistory, type HistoryFlags } from './history-reader';

/** Builds the report HTML of a run. */
export async function buildReport(flags: HistoryFlags, id: string): Promise<{ html: string; runId: string }> {
  const opened = await openHistory(flags);
  const { pipeline, runId } = await locateRun(opened, id);
  const run = await opened.history.runDetail(pipeline, runId);
  const steps: Record<string, ApiStepDetail> = {};
  for (const name of Object.keys(run.steps)) steps[name] = await opened.history.step(pipeline, runId, name);
  const runs = await opened.history.listRuns(pipeline, 20).catch(() => ({ runs: [] }));
  const snapshot = { run, steps, runs, generatedAt: new Date().toISOString() };
  const { loadUiAssets, reportPage } = await import('../../ui');
  return { html: reportPage(`Pipewright run ${runId} of ${pipeline}`, snapshot, await loadUiAssets()), runId };
}

/** Registers `report`. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('Write one run as a self-contained HTML file: DAG, timeline, logs, metrics, outputs (works offline)')
    .argument('<runId>', "run id, or 'latest'")
    .requiredOption('--html <file>', 'the HTML file to write (- for stdout)');
  for (const [flag, help] of HISTORY_OPTIONS) cmd.option(flag, help);
  cmd.action(async (id: string, flags: HistoryFlags & { html: string }) => {
    if (!flags.html.trim()) throw new UsageError('--html: expected a file name, e.g. --html run.html');
    const what = `--html ${flags.html}`;
    const fix = 'give --html a file path in an existing folder, e.g. --html run.html, or - for stdout';
    if (flags.html !== '-') checkOutputPath(flags.html, what, fix);
    const { html, runId } = await buildReport(flags, id);
    if (flags.html === '-') {
      process.stdout.write(html);
      return;
    }
    await writeOutputFile(flags.html, html, what, fix);
    process.stdout.write(`report of run ${runId} written to ${flags.html} (${(html.length / 1024).toFixed(0)} KiB)\n`);
  });
}

/**
 * `pipewright metrics <pipeline> <metric>`: one metric over a pipeline's runs, oldest to newest.
 */
import type { Command } from 'commander';
import type { ApiRunSummary } from '../../api';
import { NotFoundError } from '../../errors';
import { HISTORY_OPTIONS, openHistory, type HistoryFlags } from './history-reader';
import { table } from './runs';

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line chart of values (`▁▃▅█`). */
export function sparkline(values: readonly number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

/** The metric names a run summary carries that `name` designates: `step.metric` exactly, or `metric` in any step. */
export function matchingMetrics(names: Iterable<string>, name: string): string[] {
  const all = [...names];
  if (all.includes(name)) return [name];
  return all.filter((n) => n.endsWith(`.${name}`)).sort();
}

/** Registers `metrics`. */
export function registerMetrics(program: Command): void {
  const cmd = program
    .command('metrics')
    .description("Follow a metric across a pipeline's runs (its last value in each run), oldest to newest")
    .argument('<pipeline>', 'pipeline name')
    .argument('<metric>', "'<step>.<metric>' (e.g. evaluate.accuracy), or a metric name logged by any step");
  for (const [flag, help] of HISTORY_OPTIONS) cmd.option(flag, help);
  cmd
    .option('--limit <n>', 'newest runs to look at', '200')
    .option('--json', 'print [{runId, status, startedAt, metric, value}] as JSON')
    .action(async (pipeline: string, metric: string, flags: HistoryFlags & { json?: boolean; limit: string }) => {
      const opened = await openHistory(flags);
      const want = Number(flags.limit) || 200;
      const runs: ApiRunSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await opened.history.listRuns(pipeline, Math.min(500, want - runs.length), cursor);
        runs.push(...page.runs);
        cursor = page.nextCursor;
      } while (cursor && runs.length < want);
      runs.reverse();
      const known = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
      const names = matchingMetrics(known, metric);
      if (names.length === 0) {
        throw new NotFoundError(
          `No run of ${pipeline} in ${opened.where} logged a metric '${metric}'; metrics logged: ${[...known].sort().join(', ') || '(none)'} ('pipewright show <runId>' lists a run's metrics).`,
        );
      }
      const points = runs.flatMap((r) =>
        names.filter((n) => r.metrics[n] !== undefined).map((n) => ({ runId: r.runId, status: r.status, startedAt: r.startedAt, metric: n, value: r.metrics[n] })),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(points, null, 2)}\n`);
        return;
      }
      for (const n of names) {
        const mine = points.filter((p) => p.metric === n);
        process.stdout.write(`${n} over ${mine.length} run(s) of ${pipeline}: ${sparkline(mine.map((p) => p.value))}\n`);
        const rows = mine.map((p) => [p.runId, p.status, p.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), String(Number(p.value.toPrecision(6)))]);
        process.stdout.write(`${table([['RUN', 'STATUS', 'STARTED', 'VALUE'], ...rows])}\n`);
      }
    });
}

/**
 * Foreach overhead, measured as a user pays for it (a whole `pipewright run` process per run): a 200-item
 * foreach of no-op items with and without mini-batches, and a re-run after one item changed, beside
 * Metaflow's 20-way foreach on this machine class (15.6 s, measured as a whole process).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../bin/pipewright');
/** Metaflow's local run of its 20-way foreach example on this machine class, as a whole process (seconds). */
export const METAFLOW_FOREACH_20_S = 15.6;

function definition(name: string, batch: number): string {
  return [
    `name: ${name}`,
    'parameters:',
    '  items: { type: list, default: [] }',
    'steps:',
    '  each:',
    '    foreach: params.items',
    `    batch: ${batch}`,
    '    compute: { vcpus: 0.25, memory: 64 }',
    '    command: [true]',
    '',
  ].join('\n');
}

/** Wall time of one CLI run and the run's own duration (from `--json`), in ms; throws when it fails. */
function cliRun(file: string, store: string, items: readonly string[]): { ms: number; runMs: number } {
  const t0 = performance.now();
  const r = spawnSync(CLI, ['run', file, '--store', store, '--json', '--param', `items=${items.join(',')}`], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`pipewright run ${file} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ms, runMs: (JSON.parse(r.stdout) as { durationMs: number }).durationMs };
}

/** One row per measurement. */
export interface ForeachBenchRow {
  readonly what: string;
  readonly ms: number;
  /** The run's own duration (without process start-up). */
  readonly runMs: number;
  readonly perItemMs?: number;
  readonly target: string;
}

/** Runs the foreach measurements; `n` items (default 200). */
export async function benchForeach(n = 200): Promise<ForeachBenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'pw-bench-foreach-'));
  const nonce = `${Date.now()}`;
  const items = Array.from({ length: n }, (_, i) => `${nonce}-item-${i}`);
  const rows: ForeachBenchRow[] = [];
  try {
    for (const batch of [1, 20]) {
      const file = join(root, `foreach-b${batch}.yaml`);
      await writeFile(file, definition(`foreach-b${batch}`, batch));
      const store = join(root, `store-b${batch}`);
      // The fixed cost of a run (process start, manifest, one-time validation) from a 1-item run.
      const one = cliRun(file, store, [`${nonce}-warm-${batch}`]);
      const all = cliRun(file, store, items);
      const perItem = (all.ms - one.ms) / (n - 1);
      rows.push({
        what: `${n}-item foreach, ${batch === 1 ? 'one item per job' : `batch: ${batch}`} (first run)`,
        ms: all.ms,
        runMs: all.runMs,
        perItemMs: perItem,
        target: batch === 1 ? '≤ 30 ms/item' : '≤ 10 ms/item',
      });
      if (batch === 1) {
        const changed = [...items];
        changed[n >> 1] = `${nonce}-changed`;
        const one = cliRun(file, store, changed);
        rows.push({ what: `same, one of ${n} items changed (re-run)`, ms: one.ms, runMs: one.runMs, target: '≤ 1 s' });
        const none = cliRun(file, store, changed);
        rows.push({ what: `same, unchanged (re-run)`, ms: none.ms, runMs: none.runMs, target: '-' });
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

/** The rows as a Markdown table with the Metaflow peer line. */
export function formatForeachBench(rows: readonly ForeachBenchRow[]): string {
  const lines = [
    '| foreach | whole CLI process | the run itself | per item | target | process vs Metaflow 20-way foreach (15.6 s) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.what} | ${(r.ms / 1000).toFixed(2)} s | ${(r.runMs / 1000).toFixed(2)} s | ${r.perItemMs !== undefined ? `${r.perItemMs.toFixed(1)} ms` : '-'} | ${r.target} | ${(r.ms / 1000 / METAFLOW_FOREACH_20_S).toFixed(2)}× |`,
    );
  }
  lines.push(`| Metaflow, 20-way foreach (peer, measured separately on this machine class) | ${METAFLOW_FOREACH_20_S.toFixed(2)} s | - | ${((METAFLOW_FOREACH_20_S * 1000) / 20).toFixed(0)} ms | - | 1.00× |`);
  return lines.join('\n');
}

if (process.argv[1] && /bench[\\/]foreach\.ts$/.test(process.argv[1])) {
  benchForeach(Number(process.env.BENCH_FOREACH_ITEMS ?? 200))
    .then((rows) => process.stdout.write(`${formatForeachBench(rows)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
}

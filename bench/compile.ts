/**
 * `npm run bench:compile`: compile time, definition size and state count for linear, wide (fan-out/fan-in)
 * and random DAGs of 10, 100 and 1,000 steps, plus what the series-parallel approximation costs on
 * random (mostly non-series-parallel) DAGs.
 *
 * Step names are 8 characters (`step0042`); every character of a name appears ~9 times per step.
 */
import { availableParallelism } from 'node:os';
import { compile, countStates, renderDefinition } from '../lib/compiler';
import { buildDag } from '../lib/compiler/dag';
import { criticalPath, decompose, treeMakespan } from '../lib/compiler/decompose';
import { type FixtureStep, linearSteps, makeIr, mulberry32, randomSteps, wideSteps } from '../test/compiler/fixtures';

const SIZES = [10, 100, 1000];
const SHAPES: Record<string, (n: number) => FixtureStep[]> = {
  linear: linearSteps,
  wide: wideSteps,
  random: (n) => randomSteps(n, 2026),
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

console.log(`# bench:compile — node ${process.version}, ${availableParallelism()} CPUs\n`);

const rows: (string | number)[][] = [];
for (const [shape, make] of Object.entries(SHAPES)) {
  for (const n of SIZES) {
    const ir = makeIr(make(n));
    const runs = n >= 1000 ? 7 : 15;
    compile(ir); // warm-up
    const times: number[] = [];
    let json = '';
    let states = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const compiled = compile(ir);
      json = renderDefinition(compiled);
      times.push(performance.now() - t0);
      states = countStates(compiled.definition);
    }
    rows.push([shape, n, median(times).toFixed(1), json.length, Math.round(json.length / n), states, json.length < 1_048_576 ? 'yes' : 'NO']);
  }
}
console.log('## Compile (median wall time of compile + render)\n');
console.log(table(['shape', 'steps', 'ms', 'bytes', 'bytes/step', 'states', 'fits 1 MiB'], rows));

// The price of series-parallel nesting on random DAGs: false "waits for" pairs, and how much longer the
// run takes than the DAG's critical path when every step starts as early as the nesting allows.
const costRows: (string | number)[][] = [];
for (const [n, prefer] of SIZES.flatMap((n) => [[n, 'balance'], [n, 'pairs']] as const)) {
  const seeds = n >= 1000 ? 10 : 40;
  let nonSp = 0;
  let pairs = 0;
  let comparable = 0;
  const unit: number[] = [];
  const varied: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const dag = buildDag(makeIr(randomSteps(n, seed)));
    const { tree, addedPairs } = decompose(dag, { prefer });
    if (addedPairs > 0) nonSp++;
    pairs += addedPairs;
    comparable += (n * (n - 1)) / 2;
    unit.push(treeMakespan(tree) / criticalPath(dag));
    const rand = mulberry32(seed * 31);
    const durations = dag.names.map(() => 1 + Math.floor(rand() * 10));
    const d = (v: number) => durations[v];
    varied.push(treeMakespan(tree, d) / criticalPath(dag, d));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  costRows.push([
    n,
    prefer === 'balance' ? 'balanced (used)' : 'fewest false pairs',
    seeds,
    `${Math.round((100 * nonSp) / seeds)}%`,
    Math.round(pairs / seeds),
    `${((100 * pairs) / comparable).toFixed(2)}%`,
    `${mean(unit).toFixed(3)} / ${Math.max(...unit).toFixed(3)}`,
    `${mean(varied).toFixed(3)} / ${Math.max(...varied).toFixed(3)}`,
  ]);
}
console.log('\n## Series-parallel approximation on random DAGs (0–3 deps among the 8 previous steps)\n');
console.log(
  table(
    ['steps', 'approximate cuts', 'DAGs', 'non-SP', 'false pairs (mean)', 'of all pairs', 'makespan/critical path, unit durations (mean / max)', 'same, durations 1–10 (mean / max)'],
    costRows,
  ),
);

/**
 * Start-up and runs as the user pays for them: each measurement is a whole `pipewright` process (the
 * compiled CLI in dist/), beside Metaflow's 10-step local run when Metaflow is installed.
 *
 * Run by `npm run bench:local` (which builds dist/ first); `npx tsx bench/process.ts` prints this part alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'pipewright');

/** One row of the table. */
export interface ProcessRow {
  readonly what: string;
  readonly target?: number;
  /** Wall seconds of each repetition. */
  readonly seconds: readonly number[];
  /** CPU seconds (user + system, the process and its children) of each repetition. */
  readonly cpu: readonly number[];
  readonly note?: string;
}

/** One measured process. */
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Wall and CPU seconds of a command as a whole process (CPU from GNU time, which counts the process and the
 * children it waited for); throws when it fails.
 */
function timeProcess(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Timing {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall, cpu: user + sys };
}

/** A YAML pipeline of `n` no-op steps; each step's env is unique, so no step is reused from another. */
function yamlPipeline(name: string, n: number, deps: (i: number) => number[], nonce: string): string {
  const lines = [`name: ${name}`, 'steps:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  s${i}:`, '    command: ["true"]', `    env: { BENCH: "${nonce}/${name}/s${i}" }`);
    const d = deps(i);
    if (d.length) lines.push(`    after: [${d.map((j) => `s${j}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same 10-step chain in the TypeScript DSL. */
function dslPipeline(n: number, nonce: string): string {
  const lines = [`import { pipeline } from ${JSON.stringify(join(ROOT, 'dist', 'index.js'))};`, "const p = pipeline('chain-ts');"];
  for (let i = 0; i < n; i++) {
    const after = i ? `, after: ['s${i - 1}']` : '';
    lines.push(`p.step('s${i}', { command: ['true'], env: { BENCH: '${nonce}/ts/s${i}' }${after} });`);
  }
  lines.push('export default p;');
  return `${lines.join('\n')}\n`;
}

/** A seeded random DAG: each step runs after up to 3 of the 10 steps before it. */
function randomDeps(seed: number): (i: number) => number[] {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return (i) => {
    if (i === 0) return [];
    const k = Math.floor(rnd() * 4);
    const out = new Set<number>();
    for (let j = 0; j < k; j++) out.add(Math.max(0, i - 1 - Math.floor(rnd() * 10)));
    return [...out].sort((a, b) => a - b);
  };
}

/** Metaflow's 10-step linear flow of no-op steps, when `import metaflow` works here. */
const METAFLOW_FLOW = `from metaflow import FlowSpec, step

class TenFlow(FlowSpec):
${Array.from({ length: 10 }, (_, i) => `    @step\n    def ${i === 0 ? 'start' : i === 9 ? 'end' : `s${i}`}(self):\n        ${i === 9 ? 'pass' : `self.next(self.${i === 8 ? 'end' : `s${i + 1}`})`}\n`).join('\n')}
if __name__ == '__main__':
    TenFlow()
`;

function metaflowInstalled(): boolean {
  return spawnSync('python3', ['-c', 'import metaflow'], { stdio: 'ignore' }).status === 0;
}

/** Times every whole-process case `reps` times. */
export function benchProcesses(reps = 5): ProcessRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-proc-'));
  const nonce = `${Date.now()}-${Math.random()}`;
  const env = { ...process.env, PIPEWRIGHT_STORE: undefined };
  try {
    writeFileSync(join(dir, 'chain.yaml'), yamlPipeline('chain', 10, (i) => (i ? [i - 1] : []), nonce));
    writeFileSync(join(dir, 'random.yaml'), yamlPipeline('random', 100, randomDeps(42), nonce));
    writeFileSync(join(dir, 'chain.ts'), dslPipeline(10, nonce));
    const run = (file: string, store: string, extra: string[] = []): Timing =>
      timeProcess(BIN, ['run', file, '--store', join(dir, store), ...extra], dir, env);
    const rows: ProcessRow[] = [];
    const times = (f: (i: number) => Timing): { seconds: number[]; cpu: number[] } => {
      const ts = Array.from({ length: reps }, (_, i) => f(i));
      return { seconds: ts.map((t) => t.wall), cpu: ts.map((t) => t.cpu) };
    };

    rows.push({ what: 'bare Node start, `node -e ""` (for scale: the machine\'s floor)', ...times(() => timeProcess(process.execPath, ['-e', ''], dir, env)) });
    rows.push({ what: '`pipewright --help`', target: 0.1, ...times(() => timeProcess(BIN, ['--help'], dir, env)) });
    rows.push({
      what: '10-step no-op chain, new store (10 ran)',
      target: 0.5,
      ...times((i) => run('chain.yaml', `new-${i}`)),
    });
    rows.push({ what: '10-step chain, warm store (10 reused)', target: 0.35, ...times(() => run('chain.yaml', 'new-0')) });
    run('random.yaml', 'random');
    rows.push({ what: '100-step random DAG, fully reused re-run', target: 0.5, ...times(() => run('random.yaml', 'random')) });
    rows.push({ what: '10-step chain in the TypeScript DSL, new store', ...times((i) => run('chain.ts', `ts-${i}`)) });
    rows.push({ what: '10-step chain in the TypeScript DSL, warm store', ...times(() => run('chain.ts', 'ts-0')) });

    if (metaflowInstalled()) {
      writeFileSync(join(dir, 'ten_flow.py'), METAFLOW_FLOW);
      const mfEnv = { ...process.env, METAFLOW_DEFAULT_DATASTORE: 'local', METAFLOW_DEFAULT_METADATA: 'local', USERNAME: 'bench' };
      rows.push({
        what: "Metaflow: 10-step linear flow, `python3 ten_flow.py run` (peer)",
        ...times(() => timeProcess('python3', ['ten_flow.py', 'run'], dir, mfEnv)),
      });
    } else {
      rows.push({
        what: 'Metaflow: 10-step linear flow (peer)',
        seconds: [],
        cpu: [],
        note: 'not installed here and PyPI is unreachable: not measured in this run',
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The rows as a Markdown table: median and range of the repetitions, against the target. */
export function formatProcessRows(rows: readonly ProcessRow[]): string {
  const out = ['| whole process | runs | wall, median | wall, min – max | CPU, median | target | verdict (wall; CPU) |', '|---|---:|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    if (r.seconds.length === 0) {
      out.push(`| ${r.what} | 0 | - | - | - | - | ${r.note ?? ''} |`);
      continue;
    }
    const m = median(r.seconds);
    const c = median(r.cpu);
    const range = `${Math.min(...r.seconds).toFixed(3)} – ${Math.max(...r.seconds).toFixed(3)} s`;
    const met = (x: number): string => (x <= r.target! ? 'met' : '**missed**');
    const verdict = r.target === undefined ? '' : `${met(m)}; ${met(c)}`;
    out.push(`| ${r.what} | ${r.seconds.length} | ${m.toFixed(3)} s | ${range} | ${c.toFixed(3)} s | ${r.target === undefined ? '-' : `≤ ${r.target} s`} | ${verdict} |`);
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatProcessRows(benchProcesses(Number(process.argv[2] ?? 5))));
}

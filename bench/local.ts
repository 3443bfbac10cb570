/**
 * `npm run bench:local`: start-up and runs as whole `pipewright` processes (what the user pays, beside
 * Metaflow's 10-step local run when it is installed; see bench/process.ts), then wall time of local runs
 * in-process (first and fully reused), engine overhead per step, and store hashing throughput against
 * `openssl dgst -sha256`.
 *
 * Pipelines of no-op steps (`true`): a 10-step chain, a 20-way fan-out + join, a seeded 100-step random DAG.
 * Engine overhead per step = (wall time − time spent in the steps' commands) / steps, on the chain, where
 * steps run one at a time. Each shape runs on a durable store (every write fsync'ed, `PIPEWRIGHT_FSYNC=1`) and on
 * one without fsync, to show what the disk's fsync costs. Set BENCH_HASH_MIB to change the hashed file's
 * size (default 1024).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun, type EngineEvent, type RunDocument } from '../lib/engine';
import type { PipelineIR, StepIR } from '../lib/ir/types';
import { CasStore, FsBackend } from '../lib/store';
import { benchHash, formatHashBench } from './hash';
import { benchProcesses, formatProcessRows } from './process';
import type { ArtifactStore } from '../lib/store/types';

/** Salts every step's key, so that no step is reused from another pipeline or an earlier bench run. */
const NONCE = `${Date.now()}-${Math.random()}`;

function step(name: string, after: readonly string[], pipelineName: string): StepIR {
  return {
    name,
    command: ['true'],
    image: 'public.ecr.aws/docker/library/busybox:latest',
    env: { BENCH_STEP: `${process.env.BENCH_NONCE ?? NONCE}/${pipelineName}/${name}` },
    inputs: {},
    params: [],
    outputs: [],
    after: [...after].sort(),
    compute: { vcpus: 1, memory: 64, gpus: 0, queue: 'cpu' },
    retries: 0,
    timeoutSeconds: 600,
    cache: true,
  };
}

function pipeline(name: string, steps: StepIR[]): PipelineIR {
  return {
    version: 1,
    name,
    parameters: {},
    steps: Object.fromEntries(steps.map((s) => [s.name, s])),
    queues: { cpu: { name: 'cpu', gpu: false }, gpu: { name: 'gpu', gpu: true } },
    schedules: {},
    source: `/bench/${name}.yaml`,
  };
}

/** A chain of n steps. */
export function linear(n: number): PipelineIR {
  return pipeline(`linear-${n}`, Array.from({ length: n }, (_, i) => step(`s${i}`, i ? [`s${i - 1}`] : [], `linear-${n}`)));
}

/** One root, `width` parallel steps after it, one join after all of them. */
export function fanOut(width: number): PipelineIR {
  const p = `fanout-${width}`;
  const mids = Array.from({ length: width }, (_, i) => step(`m${i}`, ['root'], p));
  return pipeline(`fanout-${width}`, [step('root', [], p), ...mids, step('join', mids.map((m) => m.name), p)]);
}

/** A seeded random DAG: each step depends on up to 3 of the 10 steps before it. */
export function randomDag(n: number, seed = 42): PipelineIR {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const steps: StepIR[] = [];
  for (let i = 0; i < n; i++) {
    const deps = new Set<string>();
    const k = i === 0 ? 0 : Math.floor(rnd() * 4);
    for (let j = 0; j < k; j++) deps.add(`r${Math.max(0, i - 1 - Math.floor(rnd() * 10))}`);
    steps.push(step(`r${i}`, [...deps], `random-${n}`));
  }
  return pipeline(`random-${n}`, steps);
}

/** A store in `dir`; `durable` = fsync every write (`PIPEWRIGHT_FSYNC=1`; off by default). */
function fsStore(dir: string, durable: boolean): ArtifactStore {
  return new CasStore(new FsBackend(dir, { durable }));
}

/** Where a chain's time went, per step (ms): command (spawn to exit), runner staging, lookup + interpreter. */
interface Breakdown {
  command: number;
  staging: number;
  lookup: number;
}

let lastBreakdown: Breakdown = { command: 0, staging: 0, lookup: 0 };

async function timed(ir: PipelineIR, store: ArtifactStore): Promise<{ ms: number; doc: RunDocument }> {
  const t0 = performance.now();
  let lastFinish = 0;
  let lastStart = 0;
  const b: Breakdown = { command: 0, staging: 0, lookup: 0 };
  const doc = await startRun({
    pipeline: ir,
    store,
    onEvent: (e: EngineEvent) => {
      const t = performance.now() - t0;
      if (e.type === 'step-started') {
        b.lookup += t - lastFinish;
        lastStart = t;
      } else if (e.type === 'step-finished') {
        b.command += e.result.durationMs ?? 0;
        b.staging += t - lastStart - (e.result.durationMs ?? 0);
        lastFinish = t;
      }
    },
  }).result;
  lastBreakdown = b;
  const ms = performance.now() - t0;
  if (doc.status !== 'succeeded') throw new Error(`bench run of ${ir.name} ${doc.status}: ${JSON.stringify(doc.steps)}`);
  return { ms, doc };
}

function count(doc: RunDocument, status: string): number {
  return Object.values(doc.steps).filter((s) => s.status === status).length;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pw-bench-'));
  const rows: string[][] = [
    ['pipeline', 'fsync', 'steps', 'first run', 'ran', 'reused re-run', 'reused', 'overhead/step', 'reused/step'],
  ];
  const breakdowns: string[] = [];
  try {
    process.stdout.write(`## Whole processes (median of 5)\n\n${formatProcessRows(benchProcesses(5))}\n\n## In-process\n\n`);
    // Warm-up: module loading and JIT are not per-run costs here; the whole-process rows above include them.
    const shapes = [linear(10), fanOut(20), randomDag(100)];
    for (const ir of shapes) await timed(ir, fsStore(join(root, `warmup-${ir.name}`), false));
    for (const durable of [true, false]) {
      for (const ir of shapes) {
        const store = fsStore(join(root, `${ir.name}-${durable}`), durable);
        const first = await timed(ir, store);
        if (ir.name.startsWith('linear')) {
          const n = Object.keys(ir.steps).length;
          const per = (x: number): string => `${(x / n).toFixed(1)} ms`;
          breakdowns.push(
            `${ir.name} (fsync ${durable ? 'yes' : 'no'}), per step: command (spawn to exit) ${per(lastBreakdown.command)}, ` +
              `runner staging ${per(lastBreakdown.staging)}, lookup + interpreter ${per(lastBreakdown.lookup)}`,
          );
        }
        const again = await timed(ir, store);
        const n = Object.keys(ir.steps).length;
        const inCommands = Object.values(first.doc.steps).reduce((t, s) => t + (s.durationMs ?? 0), 0);
        const overhead = ir.name.startsWith('linear') ? `${((first.ms - inCommands) / n).toFixed(1)} ms` : '-';
        rows.push([
          ir.name,
          durable ? 'yes' : 'no',
          String(n),
          `${(first.ms / 1000).toFixed(3)} s`,
          String(count(first.doc, 'ran')),
          `${(again.ms / 1000).toFixed(3)} s`,
          String(count(again.doc, 'reused')),
          overhead,
          `${(again.ms / n).toFixed(1)} ms`,
        ]);
      }
    }
    printTable(rows);
    process.stdout.write(`\n${breakdowns.join('\n')}\n`);

    const mib = Number(process.env.BENCH_HASH_MIB ?? 1024);
    process.stdout.write(`\n${formatHashBench(await benchHash(mib * 1024 * 1024, 5))}\n`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`${line(rows[0])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
}

if (process.argv[1] && /bench[\\/]local\.ts$/.test(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}

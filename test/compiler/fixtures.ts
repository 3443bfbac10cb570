/**
 * Hand-built and generated pipeline IRs for compiler tests and bench/compile.ts (no spec loader needed).
 */
import type { InputIR, PipelineIR, StepIR } from '../../lib/ir/types';

/** A step of a fixture: its dependencies become data inputs of output `out`. */
export interface FixtureStep {
  readonly name: string;
  /** Steps whose `out` output this step reads. */
  readonly deps: readonly string[];
  /** @default 0 */
  readonly gpus?: number;
  /** @default 'gpu' when gpus > 0, else 'cpu' */
  readonly queue?: string;
  /** Ordering-only dependencies. @default [] */
  readonly after?: readonly string[];
  /** @default 1 */
  readonly retries?: number;
  /** @default 3600 */
  readonly timeoutSeconds?: number;
  /** @default - none */
  readonly description?: string;
}

/** Builds a valid IR from steps (named queues other than cpu/gpu are declared, GPU-less unless named `*gpu*`). */
export function makeIr(steps: readonly FixtureStep[], name = 'fixture'): PipelineIR {
  const queues: Record<string, { name: string; gpu: boolean }> = {
    cpu: { name: 'cpu', gpu: false },
    gpu: { name: 'gpu', gpu: true },
  };
  const irSteps: Record<string, StepIR> = {};
  for (const s of steps) {
    const gpus = s.gpus ?? 0;
    const queue = s.queue ?? (gpus > 0 ? 'gpu' : 'cpu');
    queues[queue] ??= { name: queue, gpu: queue.includes('gpu') };
    const inputs: Record<string, InputIR> = {};
    for (const d of s.deps) inputs[d] = { kind: 'step', step: d, output: 'out' };
    irSteps[s.name] = {
      name: s.name,
      ...(s.description !== undefined ? { description: s.description } : {}),
      command: ['node', `${s.name}.mjs`],
      image: 'public.ecr.aws/docker/library/node:22-slim',
      env: {},
      inputs,
      params: [],
      outputs: ['out'],
      after: [...(s.after ?? [])].sort(),
      compute: { vcpus: gpus > 0 ? 4 : 1, memory: gpus > 0 ? 16384 : 2048, gpus, queue },
      retries: s.retries ?? 1,
      timeoutSeconds: s.timeoutSeconds ?? 3600,
      cache: true,
    };
  }
  return { version: 1, name, parameters: {}, steps: irSteps, queues, schedules: {}, source: '/fixtures/pipeline.yaml' };
}

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zero-padded step name `step0001`, so sorted names follow the numbers. */
export function stepName(i: number, width = 4): string {
  return `step${String(i).padStart(width, '0')}`;
}

/** A chain step0 → step1 → … */
export function linearSteps(n: number): FixtureStep[] {
  return Array.from({ length: n }, (_, i) => ({ name: stepName(i), deps: i > 0 ? [stepName(i - 1)] : [] }));
}

/** Fan-out/fan-in: step0 → step1…step(n-2) → step(n-1). */
export function wideSteps(n: number): FixtureStep[] {
  const first = stepName(0);
  const last = stepName(n - 1);
  const middle = Array.from({ length: n - 2 }, (_, i) => stepName(i + 1));
  return [
    { name: first, deps: [] },
    ...middle.map((name) => ({ name, deps: [first] })),
    { name: last, deps: middle },
  ];
}

/**
 * A seeded random DAG: node i takes 0–3 dependencies among the `window` nodes before it; names are a
 * random permutation of `step0000…`, so name order differs from topological order.
 */
export function randomSteps(n: number, seed: number, window = 8): FixtureStep[] {
  const rand = mulberry32(seed);
  const names = Array.from({ length: n }, (_, i) => stepName(i));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [names[i], names[j]] = [names[j], names[i]];
  }
  return names.map((name, i) => {
    const deps = new Set<string>();
    const count = i === 0 ? 0 : Math.floor(rand() * 4);
    for (let k = 0; k < count; k++) deps.add(names[Math.max(0, i - 1 - Math.floor(rand() * window))]);
    return { name, deps: [...deps].sort(), gpus: rand() < 0.1 ? 1 : 0 };
  });
}

/** Shuffles a copy of an array with a seeded PRNG. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

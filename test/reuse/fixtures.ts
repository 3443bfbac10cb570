/**
 * Test fixtures for reuse and runner tests: hand-made IRs, temp dirs and a real filesystem store.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ParameterValue, PipelineIR, StepIR } from '../../lib/ir/types';
import { buildManifest } from '../../lib/manifest';
import type { LookupResult } from '../../lib/protocol';
import { createLookupHandler, type LookupHandler } from '../../lib/reuse';
import { createFsStore } from '../../lib/store';
import type { ArtifactStore, Hash } from '../../lib/store/types';

/** A step with every field defaulted (a no-op `sh -c true`). */
export function step(name: string, over: Partial<StepIR> = {}): StepIR {
  return {
    name,
    command: ['sh', '-c', 'true'],
    image: 'public.ecr.aws/docker/library/node:20-slim',
    env: {},
    inputs: {},
    params: [],
    outputs: [],
    after: [],
    compute: { vcpus: 1, memory: 512, gpus: 0, queue: 'cpu' },
    retries: 0,
    timeoutSeconds: 3600,
    cache: true,
    ...over,
  };
}

/** A pipeline of the given steps (in that order). */
export function pipeline(steps: readonly StepIR[], over: Partial<PipelineIR> = {}): PipelineIR {
  return {
    version: 1,
    name: 'demo',
    parameters: {},
    steps: Object.fromEntries(steps.map((s) => [s.name, s])),
    queues: { cpu: { name: 'cpu', gpu: false }, gpu: { name: 'gpu', gpu: true } },
    schedules: {},
    source: '/virtual/pipeline.yaml',
    ...over,
  };
}

/** A temp directory and a store in it, removed by `cleanup`. */
export interface Sandbox {
  readonly dir: string;
  readonly store: ArtifactStore;
  /** Writes files (path relative to dir → content); returns the absolute path of the first one's folder. */
  write(files: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates a sandbox with a filesystem store at `<dir>/store`. */
export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-test-'));
  const store = createFsStore(join(dir, 'store'));
  return {
    dir,
    store,
    async write(files) {
      for (const [rel, content] of Object.entries(files)) {
        const p = join(dir, rel);
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, content);
      }
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let executions = 0;

/** Builds the manifest and looks a step up, as the state machine would. */
export async function lookup(
  store: ArtifactStore,
  ir: PipelineIR,
  stepName: string,
  opts: { p?: Record<string, ParameterValue>; n?: boolean; x?: string; handler?: LookupHandler } = {},
): Promise<LookupResult & { manifest: Hash }> {
  const { hash } = await buildManifest(ir, store);
  const handler = opts.handler ?? createLookupHandler({ store });
  const x = opts.x ?? `arn:aws:states:local:0:execution:demo:run-${++executions}`;
  const r = await handler({ s: stepName, i: { p: opts.p ?? {}, n: opts.n ?? false, m: hash, x } });
  return { ...r, manifest: hash };
}

/**
 * Runs written straight into a store as the engine would leave them (run document, step documents, manifest),
 * for UI tests and bench:ui: any size or shape, without executing anything.
 */
import type { RunDocument } from '../../lib/engine/types';
import { runDocumentKey, runKey, type FinishedStepResult as StepResult, type ManifestInput, type ManifestStep, type PipelineManifest, type StepRunDocument } from '../../lib/protocol';
import type { ArtifactStore, Hash } from '../../lib/store';

export const T0 = Date.parse('2026-11-30T12:00:00.000Z');
export const KEY = `sha256:${'ab'.repeat(32)}` as Hash;

function manifestStep(name: string, upstream: readonly string[]): ManifestStep {
  const inputs: Record<string, ManifestInput> = {};
  upstream.forEach((u, i) => (inputs[`in${i}`] = { kind: 'step', step: u, output: 'out' }));
  return {
    name, code: null, command: ['true'], image: 'busybox', env: {}, inputs, params: [], outputs: ['out'],
    compute: { vcpus: 1, memory: 64, gpus: 0, queue: 'cpu' }, retries: 0, timeoutSeconds: 600, cache: true, cacheVersion: null,
  };
}

/** Writes a finished run with the given steps (name → upstream) as the engine would. */
export async function writeRun(store: ArtifactStore, pipeline: string, runId: string, steps: Record<string, readonly string[]>, extra: Record<string, Partial<StepResult> & Record<string, unknown>> = {}): Promise<void> {
  const manifest: PipelineManifest = { v: 1, pipeline, parameters: {}, steps: Object.fromEntries(Object.entries(steps).map(([n, u]) => [n, manifestStep(n, u)])) };
  const manifestHash = await store.putBytes(Buffer.from(JSON.stringify(manifest)));
  const results: Record<string, StepResult> = {};
  const names = Object.keys(steps);
  await Promise.all(
    names.map(async (name, i) => {
      const status = i % 7 === 3 ? 'reused' : 'ran';
      const startedAt = new Date(T0 + i * 40).toISOString();
      results[name] = { status, cacheKey: KEY, durationMs: status === 'reused' ? 0 : 500 + (i % 13) * 20, outputs: { out: KEY }, metrics: { loss: 1 / (i + 1) }, ...(status === 'reused' ? { savedMs: 700 } : {}), ...extra[name] } as StepResult;
      const doc: StepRunDocument = { step: name, status, cacheKey: KEY, outputs: { out: KEY }, metrics: [{ name: 'loss', value: 1 / (i + 1) }], durationMs: results[name].durationMs ?? 0, ...(status === 'ran' ? { startedAt } : {}) };
      // Only steps that ran or were reused leave a step document.
      if (results[name].status === 'ran' || results[name].status === 'reused') await store.putJson(runKey(runId, name), doc);
    }),
  );
  const doc: RunDocument = { runId, pipeline, status: 'succeeded', parameters: { seed: 1 }, startedAt: new Date(T0).toISOString(), durationMs: names.length * 40 + 1000, steps: results, store: store.location, manifest: manifestHash, trigger: 'cli' };
  await store.putJson(runDocumentKey(runId), doc);
}

/** `n` steps in layers of `width`, each step fed by two steps of the layer before. */
export function layered(n: number, width: number): Record<string, string[]> {
  const steps: Record<string, string[]> = {};
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const col = i % width;
    steps[`s${String(i).padStart(4, '0')}`] = layer === 0 ? [] : [(layer - 1) * width + col, (layer - 1) * width + ((col + 1) % width)].map((j) => `s${String(j).padStart(4, '0')}`);
  }
  return steps;
}

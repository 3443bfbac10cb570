/**
 * Helpers for engine tests: small shell pipelines written to temp directories and run through `startRun`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startRun, type EngineEvent, type RunDocument, type RunOptions, type StepStatus } from '../../lib/engine';
import type { PipelineIR } from '../../lib/ir/types';
import { loadPipeline } from '../../lib/spec/load';
import { createFsStore } from '../../lib/store';
import type { ArtifactStore } from '../../lib/store/types';

/** A temp project: files written under `dir`, a store at `dir/.pipewright`. */
export interface Project {
  readonly dir: string;
  readonly store: ArtifactStore;
  /** Writes a file relative to the project (creating folders). */
  write(rel: string, text: string): Promise<void>;
  /** Loads `pipeline.yaml` (or another file) from the project. */
  load(rel?: string): Promise<PipelineIR>;
  /** Runs a pipeline and returns the document and the events it reported. */
  run(ir: PipelineIR, opts?: Partial<RunOptions>): Promise<{ doc: RunDocument; events: EngineEvent[] }>;
  cleanup(): Promise<void>;
}

/** Creates a temp project. */
export async function makeProject(prefix = 'pw-engine-'): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = createFsStore(join(dir, '.pipewright'));
  return {
    dir,
    store,
    write: async (rel, text) => {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), text);
    },
    load: (rel = 'pipeline.yaml') => loadPipeline(join(dir, rel)),
    run: async (ir, opts = {}) => {
      const events: EngineEvent[] = [];
      const doc = await startRun({
        pipeline: ir,
        store,
        ...opts,
        onEvent: (e) => {
          events.push(e);
          opts.onEvent?.(e);
        },
      }).result;
      return { doc, events };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Step name → status, for compact assertions. */
export function statuses(doc: RunDocument): Record<string, StepStatus> {
  return Object.fromEntries(Object.entries(doc.steps).map(([k, v]) => [k, v.status]));
}

/** Names of the steps with a given status, sorted. */
export function stepsWith(doc: RunDocument, status: StepStatus): string[] {
  return Object.entries(doc.steps)
    .filter(([, v]) => v.status === status)
    .map(([k]) => k)
    .sort();
}

/**
 * Runs of a local store (`pipewright serve`, the CLI): run documents `runs/<runId>.json`, newest first.
 */
import { summarize, type ApiRunPage, type ApiRunView, type RunExtras, type RunSource } from '../api';
import { listRunIds, loadRun, type RunDocument } from '../engine';
import type { PipelineIR } from '../ir';
import type { StepResult } from '../protocol';
import type { ArtifactStore } from '../store';

/** Options of `localRunSource`. */
export interface LocalRunSourceOptions {
  readonly store: ArtifactStore;
  /** Definitions served (their names are listed even without runs; their `after` edges join the DAG). @default - none */
  readonly pipelines?: readonly PipelineIR[];
  /** The live view of runs this process executes (the server's). @default - views from the stored documents */
  readonly liveRun?: (pipeline: string, runId: string) => Promise<ApiRunView | undefined>;
}

/** The view of a stored run document; steps it does not list are shown as skipped (or pending while running). */
export function viewOfRunDocument(doc: RunDocument, stepNames: readonly string[] = []): ApiRunView {
  const steps: Record<string, StepResult> = {};
  for (const name of new Set([...Object.keys(doc.steps ?? {}), ...stepNames])) {
    const r = doc.steps?.[name];
    steps[name] = r ? { ...r } : { status: doc.status === 'running' ? 'pending' : 'skipped' };
  }
  const startedAt = doc.startedAt ?? new Date(0).toISOString();
  const durationMs = doc.status === 'running' ? Math.max(0, Date.now() - Date.parse(startedAt)) : (doc.durationMs ?? 0);
  return {
    runId: doc.runId,
    pipeline: doc.pipeline,
    status: doc.status,
    parameters: doc.parameters ?? {},
    startedAt,
    ...(doc.status !== 'running' ? { finishedAt: new Date(Date.parse(startedAt) + durationMs).toISOString() } : {}),
    durationMs,
    steps,
    ...(doc.error !== undefined ? { error: doc.error } : {}),
  };
}

/** A run source over the run documents of a local store. */
export function localRunSource(options: LocalRunSourceOptions): RunSource {
  const { store } = options;
  const irs = new Map((options.pipelines ?? []).map((p) => [p.name, p]));
  /** Finished documents never change: read each once. */
  const finished = new Map<string, RunDocument>();

  async function doc(runId: string): Promise<RunDocument | undefined> {
    const known = finished.get(runId);
    if (known) return known;
    let d: RunDocument | undefined;
    try {
      d = await loadRun(store, runId);
    } catch {
      return undefined;
    }
    if (!d || typeof d.pipeline !== 'string' || typeof d.runId !== 'string') return undefined;
    if (d.status !== 'running') finished.set(runId, d);
    return d;
  }

  async function view(pipeline: string, runId: string): Promise<ApiRunView | undefined> {
    const live = await options.liveRun?.(pipeline, runId);
    if (live) return live;
    const d = await doc(runId);
    if (!d || d.pipeline !== pipeline) return undefined;
    return viewOfRunDocument(d, Object.keys(irs.get(pipeline)?.steps ?? {}));
  }

  return {
    async pipelineNames() {
      const names = new Set(irs.keys());
      for (const id of await listRunIds(store)) {
        const d = await doc(id);
        if (d) names.add(d.pipeline);
      }
      return [...names].sort();
    },

    async listRuns(pipeline, limit, cursor): Promise<ApiRunPage | undefined> {
      const ids = (await listRunIds(store)).reverse().filter((id) => cursor === undefined || id < cursor);
      const runs = [];
      let any = irs.has(pipeline);
      let last: string | undefined;
      for (const id of ids) {
        const d = await doc(id);
        if (!d || d.pipeline !== pipeline) continue;
        any = true;
        if (runs.length === limit) return { runs, nextCursor: last };
        const v = await view(pipeline, id);
        if (v) runs.push(summarize(v, d.trigger));
        last = id;
      }
      if (!any && cursor === undefined) return undefined;
      return { runs };
    },

    getRun: view,

    async runExtras(pipeline, runId): Promise<RunExtras> {
      const d = await doc(runId);
      const ir = irs.get(pipeline);
      const after = ir ? Object.fromEntries(Object.entries(ir.steps).map(([n, s]) => [n, s.after])) : d?.after;
      return {
        ...(d?.manifest ? { manifest: d.manifest } : {}),
        ...(d?.trigger ? { trigger: d.trigger } : {}),
        ...(after ? { after } : {}),
      };
    },

    async pipelineOfRun(runId) {
      return (await doc(runId))?.pipeline;
    },
  };
}

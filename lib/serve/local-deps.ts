/**
 * The API's local implementation: runs start on the local engine against a store (`pipewright serve`).
 */
import { type EngineEvent, type RunDocument, type RunHandle, type RunOptions, settleAbandoned, startRun as engineStartRun } from '../engine';
import type { PipelineIR } from '../ir';
import { runDocumentKey, type StepResult } from '../protocol';
import type { ArtifactStore } from '../store';
import {
  buildRunView,
  idempotencyRecordKey,
  readStepDocuments,
  type ApiDeps,
  type ApiRunView,
  type CancelOutcome,
  type IdempotencyRecord,
  type PipelineSummary,
  type PipelineTarget,
  type StartRunOutcome,
  type StartRunRequest,
} from '../api';

/** Options of `createLocalDeps`. */
export interface LocalDepsOptions {
  /** The pipelines that can be triggered (names must be unique). */
  readonly pipelines: readonly PipelineIR[];
  /** Where runs keep their artifacts, records and documents. */
  readonly store: ArtifactStore;
  /** Most steps running at once per run. @default - the engine's default (CPU count) */
  readonly concurrency?: number;
  /** Starts a run. @default - the local engine's `startRun` */
  readonly startRun?: (options: RunOptions) => RunHandle;
  /** Receives every engine event of every run (e.g. for the server's log). @default - none */
  readonly onRunEvent?: (runId: string, event: EngineEvent) => void;
  /** How long DELETE waits for a cancelled run to finish before answering `cancelling`. @default 5000 */
  readonly cancelWaitMs?: number;
}

/** The local dependencies, plus what the server needs to shut down cleanly. */
export interface LocalDeps extends ApiDeps {
  /** Ids of runs still executing. */
  activeRuns(): string[];
  /** Cancels every active run and waits for them to finish (at most `timeoutMs`). */
  shutdown(timeoutMs?: number): Promise<void>;
}

interface LocalRun {
  readonly runId: string;
  readonly pipeline: PipelineIR;
  readonly parameters: RunDocument['parameters'];
  readonly startedAt: Date;
  readonly handle: RunHandle;
  readonly running: Set<string>;
  readonly done: Promise<void>;
  document?: RunDocument;
  error?: string;
  finishedAt?: Date;
  cancelRequested: boolean;
}

function viewOfDocument(doc: RunDocument, stepNames: readonly string[], cancelRequested: boolean): ApiRunView {
  const steps: Record<string, StepResult> = {};
  for (const name of new Set([...stepNames, ...Object.keys(doc.steps)])) {
    const r = doc.steps[name];
    steps[name] = r ? { ...r } : { status: doc.status === 'running' ? 'pending' : 'skipped' };
  }
  const status = cancelRequested && doc.status === 'failed' ? 'cancelled' : doc.status;
  const started = new Date(doc.startedAt);
  return {
    runId: doc.runId,
    pipeline: doc.pipeline,
    status,
    parameters: doc.parameters,
    startedAt: doc.startedAt,
    ...(status !== 'running' ? { finishedAt: new Date(started.getTime() + doc.durationMs).toISOString() } : {}),
    durationMs: doc.durationMs,
    steps,
    ...(doc.error !== undefined ? { error: doc.error } : {}),
  };
}

/** Creates the local `ApiDeps`: the engine runs each triggered run in this process. */
export function createLocalDeps(options: LocalDepsOptions): LocalDeps {
  const { store } = options;
  const start = options.startRun ?? engineStartRun;
  const cancelWaitMs = options.cancelWaitMs ?? 5000;
  const byName = new Map<string, PipelineIR>();
  for (const p of options.pipelines) {
    const other = byName.get(p.name);
    if (other) throw new Error(`Two definitions name the pipeline '${p.name}' (${other.source} and ${p.source}); rename one.`);
    byName.set(p.name, p);
  }
  const runs = new Map<string, LocalRun>();
  /** Finished runs kept in memory; older ones are answered from their stored run document. */
  const KEEP_FINISHED = 200;

  function forgetOldRuns(): void {
    const finished = [...runs.values()].filter((r) => r.finishedAt);
    for (const r of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) runs.delete(r.runId);
  }
  const pendingKeys = new Map<string, Promise<StartRunOutcome>>();

  function launch(req: StartRunRequest, ir: PipelineIR): LocalRun {
    const running = new Set<string>();
    const handle = start({
      pipeline: ir,
      store,
      parameters: req.parameters,
      runId: req.runId,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      onEvent: (e) => {
        if (e.type === 'step-started') running.add(e.step);
        else if (e.type === 'step-finished') running.delete(e.step);
        options.onRunEvent?.(req.runId, e);
      },
    });
    const run: LocalRun = {
      runId: handle.runId,
      pipeline: ir,
      parameters: req.parameters,
      startedAt: new Date(),
      handle,
      running,
      cancelRequested: false,
      done: handle.result.then(
        (doc) => {
          run.document = doc;
          run.finishedAt = new Date();
          forgetOldRuns();
        },
        (err: unknown) => {
          run.error = (err as Error)?.message ?? String(err);
          run.finishedAt = new Date();
        },
      ),
    };
    runs.set(run.runId, run);
    return run;
  }

  async function startWithKey(req: StartRunRequest, ir: PipelineIR, key: string): Promise<StartRunOutcome> {
    const recordKey = idempotencyRecordKey(req.pipeline, key);
    const existing = await store.getJson<IdempotencyRecord>(recordKey);
    if (existing) return { runId: existing.runId, existing: true };
    const run = launch(req, ir);
    const record: IdempotencyRecord = { pipeline: req.pipeline, key, runId: run.runId, createdAt: new Date().toISOString() };
    await store.putJson(recordKey, record);
    return { runId: run.runId, existing: false };
  }

  async function storedDocument(pipeline: string, runId: string): Promise<RunDocument | undefined> {
    const doc = await store.getJson<RunDocument>(runDocumentKey(runId)).catch(() => undefined);
    // A run whose process died (e.g. an earlier serve, killed) reads as failed, as in `show`, not running forever.
    return doc && doc.pipeline === pipeline ? settleAbandoned(store, doc) : undefined;
  }

  async function getRun(pipeline: string, runId: string): Promise<ApiRunView | undefined> {
    const run = runs.get(runId);
    if (run && run.pipeline.name === pipeline) {
      const stepNames = Object.keys(run.pipeline.steps);
      if (run.document) return viewOfDocument(run.document, stepNames, run.cancelRequested);
      const documents = await readStepDocuments(store, runId, stepNames);
      return buildRunView({
        runId,
        pipeline,
        status: run.error !== undefined ? (run.cancelRequested ? 'cancelled' : 'failed') : 'running',
        parameters: run.parameters,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        steps: stepNames,
        documents,
        running: run.running,
        cause: run.error,
      });
    }
    const doc = await storedDocument(pipeline, runId);
    if (!doc) return undefined;
    return viewOfDocument(doc, Object.keys(byName.get(pipeline)?.steps ?? {}), false);
  }

  return {
    async listPipelines(): Promise<PipelineSummary[]> {
      return [...byName.values()].map((p) => ({
        name: p.name,
        ...(p.description !== undefined ? { description: p.description } : {}),
        versions: [],
        parameters: p.parameters,
        steps: Object.keys(p.steps),
      }));
    },

    async getPipeline(name, version): Promise<PipelineTarget | 'no-pipeline' | 'no-version'> {
      const ir = byName.get(name);
      if (!ir) return 'no-pipeline';
      // `pipewright serve` runs the definition files as they are: there are no published versions to pin.
      if (version !== undefined) return 'no-version';
      return { name, parameters: ir.parameters };
    },

    async startRun(req): Promise<StartRunOutcome> {
      const ir = byName.get(req.pipeline);
      if (!ir) throw new Error(`Pipeline '${req.pipeline}' is not served here.`);
      if (req.idempotencyKey === undefined) return { runId: launch(req, ir).runId, existing: false };
      // One request per key at a time, so two concurrent requests with one key cannot both start a run.
      const lockKey = idempotencyRecordKey(req.pipeline, req.idempotencyKey);
      const before = pendingKeys.get(lockKey) ?? Promise.resolve(undefined);
      const mine = before.catch(() => undefined).then(() => startWithKey(req, ir, req.idempotencyKey!));
      pendingKeys.set(lockKey, mine);
      try {
        return await mine;
      } finally {
        if (pendingKeys.get(lockKey) === mine) pendingKeys.delete(lockKey);
      }
    },

    getRun,

    async cancelRun(pipeline, runId): Promise<CancelOutcome> {
      const run = runs.get(runId);
      if (run && run.pipeline.name === pipeline) {
        if (run.finishedAt) {
          const view = await getRun(pipeline, runId);
          return { kind: 'finished', status: view?.status ?? 'failed' };
        }
        run.cancelRequested = true;
        run.handle.cancel();
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([
          run.done.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), cancelWaitMs);
          }),
        ]);
        clearTimeout(timer);
        return { kind: finished ? 'cancelled' : 'cancelling' };
      }
      const doc = await storedDocument(pipeline, runId);
      // A stored run this process did not start is not executing here, whatever its document says.
      return doc ? { kind: 'finished', status: doc.status } : { kind: 'not-found' };
    },

    activeRuns(): string[] {
      return [...runs.values()].filter((r) => !r.finishedAt).map((r) => r.runId);
    },

    async shutdown(timeoutMs = 10_000): Promise<void> {
      const active = [...runs.values()].filter((r) => !r.finishedAt);
      for (const r of active) {
        r.cancelRequested = true;
        r.handle.cancel();
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(active.map((r) => r.done)),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

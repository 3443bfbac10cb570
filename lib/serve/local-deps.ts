/**
 * The API's local implementation: runs start on the local engine against a store (`pipewright serve`).
 */
import { type EngineEvent, type RunDocument, type RunHandle, type RunOptions, startRun as engineStartRun } from '../engine';
import type { PipelineIR } from '../ir';
import { runDocumentKey, type StepResult } from '../protocol';
import type { ArtifactStore } from '../store';
import {
  buildRunView,
  createRunHistory,
  idempotencyRecordKey,
  readStepDocuments,
  type ApiDeps,
  type ApiRunView,
  type CancelOutcome,
  type IdempotencyRecord,
  type PipelineSummary,
  type PipelineTarget,
  type RunHistory,
  type StartRunOutcome,
  type StartRunRequest,
} from '../api';
import { localRunSource } from './history-source';

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

/** Finished runs kept in memory; older ones are answered from their stored run document. */
const KEEP_FINISHED = 200;

/** The local `ApiDeps`: the engine runs each triggered run in this process. */
class LocalApiDeps implements LocalDeps {
  private readonly store: ArtifactStore;
  private readonly start: (options: RunOptions) => RunHandle;
  private readonly cancelWaitMs: number;
  private readonly byName = new Map<string, PipelineIR>();
  private readonly runs = new Map<string, LocalRun>();
  /** One trigger per idempotency key at a time. */
  private readonly pendingKeys = new Map<string, Promise<StartRunOutcome>>();
  /** The run history (run pages, run detail, steps, logs, explain, lineage) over the store and the live runs. */
  public readonly history: RunHistory;

  constructor(private readonly options: LocalDepsOptions) {
    this.store = options.store;
    this.start = options.startRun ?? engineStartRun;
    this.cancelWaitMs = options.cancelWaitMs ?? 5000;
    for (const p of options.pipelines) {
      const other = this.byName.get(p.name);
      if (other) throw new Error(`Two definitions name the pipeline '${p.name}' (${other.source} and ${p.source}); rename one.`);
      this.byName.set(p.name, p);
    }
    this.history = createRunHistory(
      localRunSource({ store: this.store, pipelines: options.pipelines, liveRun: (pipeline, runId) => this.getRun(pipeline, runId) }),
      this.store,
    );
  }

  public async listPipelines(): Promise<PipelineSummary[]> {
    return [...this.byName.values()].map((p) => ({
      name: p.name,
      ...(p.description !== undefined ? { description: p.description } : {}),
      versions: [],
      parameters: p.parameters,
      steps: Object.keys(p.steps),
    }));
  }


  public async getPipeline(name: string, version?: number): Promise<PipelineTarget | 'no-pipeline' | 'no-version'> {
    const ir = this.byName.get(name);
    if (!ir) return 'no-pipeline';
    // `pipewright serve` this.runs the definition files as they are: there are no published versions to pin.
    if (version !== undefined) return 'no-version';
    return { name, parameters: ir.parameters };
  }


  public async startRun(req: StartRunRequest): Promise<StartRunOutcome> {
    const ir = this.byName.get(req.pipeline);
    if (!ir) throw new Error(`Pipeline '${req.pipeline}' is not served here.`);
    if (req.idempotencyKey === undefined) return { runId: this.launch(req, ir).runId, existing: false };
    // One request per key at a time, so two concurrent requests with one key cannot both this.start a run.
    const lockKey = idempotencyRecordKey(req.pipeline, req.idempotencyKey);
    const before = this.pendingKeys.get(lockKey) ?? Promise.resolve(undefined);
    const mine = before.catch(() => undefined).then(() => this.startWithKey(req, ir, req.idempotencyKey!));
    this.pendingKeys.set(lockKey, mine);
    try {
      return await mine;
    } finally {
      if (this.pendingKeys.get(lockKey) === mine) this.pendingKeys.delete(lockKey);
    }
  }


  public async cancelRun(pipeline: string, runId: string): Promise<CancelOutcome> {
    const run = this.runs.get(runId);
    if (run && run.pipeline.name === pipeline) {
      if (run.finishedAt) {
        const view = await this.getRun(pipeline, runId);
        return { kind: 'finished', status: view?.status ?? 'failed' };
      }
      run.cancelRequested = true;
      run.handle.cancel();
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        run.done.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), this.cancelWaitMs);
        }),
      ]);
      clearTimeout(timer);
      return { kind: finished ? 'cancelled' : 'cancelling' };
    }
    const doc = await this.storedDocument(pipeline, runId);
    // A stored run this process did not this.start is not executing here, whatever its document says.
    return doc ? { kind: 'finished', status: doc.status } : { kind: 'not-found' };
  }


  public activeRuns(): string[] {
    return [...this.runs.values()].filter((r) => !r.finishedAt).map((r) => r.runId);
  }


  public async shutdown(timeoutMs = 10_000): Promise<void> {
    const active = [...this.runs.values()].filter((r) => !r.finishedAt);
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
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.values()].filter((r) => r.finishedAt);
    for (const r of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.runs.delete(r.runId);
  }

  private launch(req: StartRunRequest, ir: PipelineIR): LocalRun {
    const running = new Set<string>();
    const handle = this.start({
      pipeline: ir,
      store: this.store,
      parameters: req.parameters,
      runId: req.runId,
      trigger: req.trigger ?? 'api',
      ...(this.options.concurrency !== undefined ? { concurrency: this.options.concurrency } : {}),
      onEvent: (e) => {
        if (e.type === 'step-started') running.add(e.step);
        else if (e.type === 'step-finished') running.delete(e.step);
        this.options.onRunEvent?.(req.runId, e);
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
          this.forgetOldRuns();
        },
        (err: unknown) => {
          run.error = (err as Error)?.message ?? String(err);
          run.finishedAt = new Date();
        },
      ),
    };
    this.runs.set(run.runId, run);
    return run;
  }

  private async startWithKey(req: StartRunRequest, ir: PipelineIR, key: string): Promise<StartRunOutcome> {
    const recordKey = idempotencyRecordKey(req.pipeline, key);
    const existing = await this.store.getJson<IdempotencyRecord>(recordKey);
    if (existing) return { runId: existing.runId, existing: true };
    const run = this.launch(req, ir);
    const record: IdempotencyRecord = { pipeline: req.pipeline, key, runId: run.runId, createdAt: new Date().toISOString() };
    await this.store.putJson(recordKey, record);
    return { runId: run.runId, existing: false };
  }

  private async storedDocument(pipeline: string, runId: string): Promise<RunDocument | undefined> {
    const doc = await this.store.getJson<RunDocument>(runDocumentKey(runId)).catch(() => undefined);
    return doc && doc.pipeline === pipeline ? doc : undefined;
  }

  public async getRun(pipeline: string, runId: string): Promise<ApiRunView | undefined> {
    const run = this.runs.get(runId);
    if (run && run.pipeline.name === pipeline) {
      const stepNames = Object.keys(run.pipeline.steps);
      if (run.document) return viewOfDocument(run.document, stepNames, run.cancelRequested);
      const documents = await readStepDocuments(this.store, runId, stepNames);
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
    const doc = await this.storedDocument(pipeline, runId);
    if (!doc) return undefined;
    return viewOfDocument(doc, Object.keys(this.byName.get(pipeline)?.steps ?? {}), false);
  }
}

/** Creates the local `ApiDeps`: the engine runs each triggered run in this process. */
export function createLocalDeps(options: LocalDepsOptions): LocalDeps {
  return new LocalApiDeps(options);
}

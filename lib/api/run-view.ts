/**
 * Builds the API's run view from an execution's state and the per-step documents in the store.
 */
import type { ParameterValue } from '../ir/types';
import type { StepRunDocument } from '../manifest/types';
import type { ArtifactStore, Metric } from '../store/types';
import type { ApiRunStatus, ApiRunView, ApiStepView } from './types';

/** Store key of one step's document within a run. */
export function stepDocumentKey(runId: string, step: string): string {
  return `runs/${runId}/${step}.json`;
}

/** Reads the step documents of a run (`runs/<runId>/<step>.json`) for the given steps; absent ones are left out. */
export async function readStepDocuments(
  store: ArtifactStore,
  runId: string,
  steps: readonly string[],
): Promise<Record<string, StepRunDocument>> {
  const docs = await Promise.all(
    steps.map((s) => store.getJson<StepRunDocument>(stepDocumentKey(runId, s)).catch(() => undefined)),
  );
  const out: Record<string, StepRunDocument> = {};
  steps.forEach((s, i) => {
    const d = docs[i];
    if (d) out[s] = d;
  });
  return out;
}

/** Metric name → last value logged. */
export function lastMetricValues(metrics: readonly Metric[] | Readonly<Record<string, number>> | undefined): Record<string, number> {
  if (!metrics) return {};
  if (!Array.isArray(metrics)) return { ...(metrics as Record<string, number>) };
  const out: Record<string, number> = {};
  for (const m of metrics as readonly Metric[]) out[m.name] = m.value;
  return out;
}

/** The API view of one step document. */
export function stepViewOf(doc: StepRunDocument): ApiStepView {
  return {
    status: doc.status,
    ...(doc.cacheKey !== undefined ? { cacheKey: doc.cacheKey } : {}),
    ...(doc.skip ? { reason: doc.skip.reason, skippedBy: doc.skip.step, condition: doc.skip.condition } : {}),
    ...(doc.startedAt !== undefined ? { startedAt: doc.startedAt } : {}),
    durationMs: doc.durationMs,
    outputs: doc.outputs,
    metrics: lastMetricValues(doc.metrics),
    ...(doc.savedMs !== undefined ? { savedMs: doc.savedMs } : {}),
    ...(doc.error !== undefined ? { error: doc.error } : {}),
    ...(doc.items !== undefined ? { items: doc.items } : {}),
    ...(doc.failedItems !== undefined ? { failedItems: doc.failedItems } : {}),
  };
}

/** The step a Step Functions failure cause names (`Step 'train' failed`), if any. */
export function failedStepOf(cause: string | undefined): string | undefined {
  return cause ? /Step '([^']+)' failed/.exec(cause)?.[1] : undefined;
}

/** What `buildRunView` combines. */
export interface RunViewInput {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: ApiRunStatus;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly startedAt: Date;
  /** @default - still running */
  readonly finishedAt?: Date;
  /** Every step of the pipeline, in definition order. */
  readonly steps: readonly string[];
  /** Step documents found in the store. */
  readonly documents: Readonly<Record<string, StepRunDocument>>;
  /** Steps executing now (local runs). @default - none known */
  readonly running?: ReadonlySet<string>;
  /** The execution's failure cause. @default - none */
  readonly cause?: string;
  /** @default - none */
  readonly version?: number;
  /** The time to measure a running run's duration against. @default - now */
  readonly now?: Date;
}

/**
 * The run view: steps with a document show it; the others are `running`/`pending` while the run goes on,
 * `failed` when the failure cause names them, and `skipped` otherwise.
 */
export function buildRunView(input: RunViewInput): ApiRunView {
  const failed = failedStepOf(input.cause);
  const steps: Record<string, ApiStepView> = {};
  for (const name of input.steps) {
    const doc = input.documents[name];
    if (doc) steps[name] = stepViewOf(doc);
    else if (input.status === 'running') steps[name] = { status: input.running?.has(name) ? 'running' : 'pending' };
    else if (name === failed) steps[name] = { status: 'failed', ...(input.cause ? { error: input.cause } : {}) };
    else steps[name] = { status: 'skipped' };
  }
  const end = input.finishedAt ?? input.now ?? new Date();
  const explained = failed !== undefined && input.steps.includes(failed);
  return {
    runId: input.runId,
    pipeline: input.pipeline,
    status: input.status,
    parameters: input.parameters,
    startedAt: input.startedAt.toISOString(),
    ...(input.finishedAt ? { finishedAt: input.finishedAt.toISOString() } : {}),
    durationMs: Math.max(0, end.getTime() - input.startedAt.getTime()),
    steps,
    ...(input.version !== undefined ? { version: input.version } : {}),
    ...(input.status !== 'running' && input.status !== 'succeeded' && input.cause && !explained ? { error: input.cause } : {}),
  };
}

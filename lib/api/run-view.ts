/**
 * Builds the API's run view from an execution's state and the per-step documents in the store.
 */
import type { ParameterValue } from '../ir';
import { failedStepOf, runKey, stepResultOf, type RunStatus, type StepResult, type StepRunDocument } from '../protocol';
import type { ArtifactStore } from '../store';
import type { ApiRunView } from './types';

/** Reads the step documents of a run (`runs/<runId>/<step>.json`) for the given steps; absent ones are left out. */
export async function readStepDocuments(
  store: ArtifactStore,
  runId: string,
  steps: readonly string[],
): Promise<Record<string, StepRunDocument>> {
  const docs = await Promise.all(
    steps.map((s) => store.getJson<StepRunDocument>(runKey(runId, s)).catch(() => undefined)),
  );
  const out: Record<string, StepRunDocument> = {};
  steps.forEach((s, i) => {
    const d = docs[i];
    if (d) out[s] = d;
  });
  return out;
}

/** What `buildRunView` combines. */
export interface RunViewInput {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
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
  /** The finally-only execution that ran a stopped run's finally-steps. @default - none */
  readonly finallyExecution?: string;
  /** The stopped run this finally-only execution ran the finally-steps of. @default - none */
  readonly finallyOf?: string;
}

/**
 * The run view: steps with a document show it; the others are `running`/`pending` while the run goes on,
 * `failed` when the failure cause names them, and `skipped` otherwise.
 */
export function buildRunView(input: RunViewInput): ApiRunView {
  const failed = failedStepOf(input.cause);
  const steps: Record<string, StepResult> = {};
  for (const name of input.steps) {
    const doc = input.documents[name];
    if (doc) steps[name] = stepResultOf(doc);
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
    ...(input.finallyExecution !== undefined ? { finallyExecution: input.finallyExecution } : {}),
    ...(input.finallyOf !== undefined ? { finallyOf: input.finallyOf } : {}),
  };
}

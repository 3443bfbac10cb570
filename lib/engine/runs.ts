/**
 * Reading run documents back from the store: one run, `latest`, or all of them.
 */
import { hostname } from 'node:os';
import { NotFoundError } from '../errors';
import { runDocumentKey, runIdOfDocumentKey, runStepsPrefix, RUNS_PREFIX, stepResultOf, type FinishedStepResult, type StepRunDocument } from '../protocol';
import type { ArtifactStore } from '../store';
import type { RunDocument } from './types';
import { isProcessAlive } from '../runner';

/** Ids of every run in the store, oldest first. */
export async function listRunIds(store: ArtifactStore): Promise<string[]> {
  const keys = await store.list(RUNS_PREFIX);
  return keys.map(runIdOfDocumentKey).filter((id): id is string => id !== undefined).sort();
}

/** Every run document in the store, oldest first (unreadable documents are left out). */
export async function listRuns(store: ArtifactStore): Promise<RunDocument[]> {
  const ids = await listRunIds(store);
  const docs = await Promise.all(ids.map((id) => store.getJson<RunDocument>(runDocumentKey(id)).catch(() => undefined)));
  return Promise.all(docs.filter((d): d is RunDocument => d !== undefined).map((d) => settleAbandoned(store, d)));
}

/** Resolves `latest` (the newest run) or checks that a run id exists; throws NotFoundError otherwise. */
export async function resolveRunId(store: ArtifactStore, id: string): Promise<string> {
  if (id === 'latest') {
    const ids = await listRunIds(store);
    if (ids.length === 0) throw new NotFoundError(`No runs in the store at ${store.location}; start one with 'pipewright run <pipeline.yaml>'.`);
    return ids[ids.length - 1];
  }
  return id;
}

/** Loads a run document by id or `latest`; throws NotFoundError naming the store when it is absent. */
export async function loadRun(store: ArtifactStore, id: string): Promise<RunDocument> {
  const runId = await resolveRunId(store, id);
  const doc = await store.getJson<RunDocument>(runDocumentKey(runId));
  if (!doc) {
    throw new NotFoundError(
      `Run '${id}' was not found in the store at ${store.location}; list runs with 'pipewright runs' (or pass --store).`,
    );
  }
  return settleAbandoned(store, doc);
}

/**
 * A `running` document whose process on this machine is gone is shown as `failed`, with the steps that
 * finished before it died (their step documents) and the reason; the stored document is left as it is.
 */
export async function settleAbandoned(store: ArtifactStore, doc: RunDocument): Promise<RunDocument> {
  const owner = doc.owner;
  if (doc.status !== 'running' || !owner || owner.host !== hostname() || isProcessAlive(owner.pid)) return doc;
  const steps: Record<string, FinishedStepResult> = {};
  for (const key of await store.list(runStepsPrefix(doc.runId))) {
    const step = key.endsWith('.json') ? await store.getJson<StepRunDocument>(key).catch(() => undefined) : undefined;
    // Only step documents (`_finally.json` names a finally-only execution).
    if (step && typeof step.step === 'string') steps[step.step] = stepResultOf(step);
  }
  const { owner: _owner, ...rest } = doc;
  return {
    ...rest,
    status: 'failed',
    steps,
    error:
      `the pipewright process that ran it (pid ${owner.pid}) ended before the run finished; ` +
      `${Object.keys(steps).length} step(s) had finished, and the next run reuses those that succeeded`,
  };
}

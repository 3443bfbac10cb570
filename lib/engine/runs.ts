/**
 * Reading run documents back from the store: one run, `latest`, or all of them.
 */
import { NotFoundError } from '../errors';
import type { ArtifactStore } from '../store/types';
import type { RunDocument } from './types';

/** Store key of a run's document. */
export function runDocumentKey(runId: string): string {
  return `runs/${runId}.json`;
}

/** Ids of every run in the store, oldest first. */
export async function listRunIds(store: ArtifactStore): Promise<string[]> {
  const keys = await store.list('runs/');
  const ids: string[] = [];
  for (const key of keys) {
    const m = /^runs\/([^/]+)\.json$/.exec(key);
    if (m) ids.push(m[1]);
  }
  return ids.sort();
}

/** Every run document in the store, oldest first (unreadable documents are left out). */
export async function listRuns(store: ArtifactStore): Promise<RunDocument[]> {
  const ids = await listRunIds(store);
  const docs = await Promise.all(ids.map((id) => store.getJson<RunDocument>(runDocumentKey(id)).catch(() => undefined)));
  return docs.filter((d): d is RunDocument => d !== undefined);
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
  return doc;
}

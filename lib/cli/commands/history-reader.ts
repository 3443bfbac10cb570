/**
 * Opens the run history the history commands read (`runs --api`, `compare`, `metrics`, `lineage`, `report`):
 * the local store, or the REST API with `--api`.
 */
import type { RunHistory } from '../../api';
import { ApiClient } from '../../client';
import { resolveRunId } from '../../engine';
import { NotFoundError } from '../../errors';
import { openStore, type ArtifactStore } from '../../store';
import { storeLocation } from '../private/paths';
import { httpHistory } from '../http-history';

/** The flags every history command takes. */
export interface HistoryFlags {
  readonly store?: string;
  readonly api?: string;
  readonly region?: string;
}

/** An opened history and how to name where it reads from. */
export interface OpenedHistory {
  readonly history: RunHistory;
  /** e.g. `the store at .pipewright` or `the API at https://…`. */
  readonly where: string;
  /** The `runs` command that lists what exists here. */
  readonly listCommand: string;
  /** The local store (absent with `--api`). */
  readonly store?: ArtifactStore;
}

/**
 * Opens the history named by the flags: the REST API with `--api`, else the local store.
 *
 * The history and the local run source are loaded here, not at start-up, since they bring the server side and
 * its AWS SDK clients, which every other command can do without.
 */
export async function openHistory(flags: HistoryFlags): Promise<OpenedHistory> {
  if (flags.api) {
    const client = new ApiClient({ api: flags.api, region: flags.region });
    return { history: httpHistory(client), where: `the API at ${flags.api}`, listCommand: `pipewright runs --api ${flags.api}` };
  }
  const store = openStore(storeLocation(flags.store));
  const [{ createRunHistory }, { localRunSource }] = await Promise.all([import('../../api'), import('../../serve')]);
  return {
    history: createRunHistory(localRunSource({ store }), store),
    where: `the store at ${store.location}`,
    listCommand: `pipewright runs${flags.store ? ` --store ${flags.store}` : ''}`,
    store,
  };
}

/** The pipeline and id of a run (`latest` allowed with a local store); NotFoundError naming the list command. */
export async function locateRun(opened: OpenedHistory, id: string): Promise<{ pipeline: string; runId: string }> {
  const runId = opened.store ? await resolveRunId(opened.store, id) : id;
  const pipeline = await opened.history.source.pipelineOfRun(runId);
  if (!pipeline) throw new NotFoundError(`No run '${id}' in ${opened.where}; list runs with '${opened.listCommand}'.`);
  return { pipeline, runId };
}

/** The `--store`, `--api` and `--region` options. */
export const HISTORY_OPTIONS = [
  ['--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)'],
  ['--api <url>', 'read through the REST API of a deployed stack or of pipewright serve instead of the store'],
  ['--region <region>', 'AWS region to sign --api requests for (default: $AWS_REGION, or the one in the URL)'],
] as const;

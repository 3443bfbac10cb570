/**
 * The API routes of the run history (all `GET`): run pages, run detail, step detail, logs, explain, lineage.
 */
import { UsageError } from '../../errors';
import type { ApiResponse } from '../types';
import type { RunHistory } from './history';

/** The history routes, for the 404 message of the router. */
export const HISTORY_ROUTES = [
  'GET /runs (pipelines with runs)',
  'GET /pipelines/{name}/runs[?limit=&cursor=]',
  'GET /pipelines/{name}/runs/{runId}/detail',
  'GET /pipelines/{name}/runs/{runId}/steps/{step}',
  'GET /pipelines/{name}/runs/{runId}/steps/{step}/logs',
  'GET /pipelines/{name}/runs/{runId}/steps/{step}/explain/{againstRunId}',
  'GET /lineage/{ref}',
] as const;

function ok(value: unknown): ApiResponse {
  return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(value)}\n` };
}

function limitOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`Query parameter limit: expected a positive integer; received ${JSON.stringify(text)}.`);
  return Number(text);
}

/**
 * Answers a history route (`segs` are the decoded path segments), or `undefined` when the path is not one.
 * Unknown pipelines, runs, steps and artifacts throw NotFoundError (the router answers 404).
 */
export async function routeHistory(
  history: RunHistory,
  method: string,
  segs: readonly string[],
  query: Readonly<Record<string, string | undefined>>,
): Promise<ApiResponse | undefined> {
  if (method !== 'GET') return undefined;
  if (segs[0] === 'lineage' && segs.length === 2) return ok(await history.lineage(segs[1]));
  if (segs[0] === 'runs' && segs.length === 1) return ok({ pipelines: await history.pipelineNames() });
  if (segs[0] !== 'pipelines' || segs[2] !== 'runs') return undefined;
  const [, name, , runId, what, step, sub, against] = segs;
  if (segs.length === 3) return ok(await history.listRuns(name, limitOf(query.limit), query.cursor || undefined));
  if (segs.length === 5 && what === 'detail') return ok(await history.runDetail(name, runId));
  if (what !== 'steps' || step === undefined) return undefined;
  if (segs.length === 6) return ok(await history.step(name, runId, step));
  if (segs.length === 7 && sub === 'logs') {
    const detail = await history.step(name, runId, step);
    return ok(detail.logs ?? { stdout: '', stderr: '', truncated: false });
  }
  if (segs.length === 8 && sub === 'explain') return ok(await history.explain(name, runId, step, against));
  return undefined;
}

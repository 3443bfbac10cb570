/**
 * The run history read through the REST API (a deployed stack, or `serve`), for the CLI's `--api`.
 */
import type { ApiExplainDiff, ApiLineage, ApiRunDetail, ApiRunPage, ApiStepDetail, RunHistory, RunSource } from '../api';
import { checkResponse, errorMessageOf, type ApiClient } from '../client';
import { NotFoundError } from '../errors';

const enc = encodeURIComponent;

/** A run history whose every read is a signed GET to the API. */
export function httpHistory(client: ApiClient): RunHistory {
  async function get<T>(path: string, what: string): Promise<T> {
    const res = await client.request<T>('GET', path);
    if (res.statusCode === 404) throw new NotFoundError(errorMessageOf(res));
    checkResponse(res, what);
    return res.body;
  }
  const pipelineNames = async () => (await get<{ pipelines: string[] }>('/runs', 'list pipelines with runs')).pipelines;
  const listRuns = (pipeline: string, limit?: number, cursor?: string) =>
    get<ApiRunPage>(`/pipelines/${enc(pipeline)}/runs?${limit ? `limit=${limit}` : ''}${cursor ? `&cursor=${enc(cursor)}` : ''}`, `list runs of ${pipeline}`);
  const runDetail = (p: string, r: string) => get<ApiRunDetail>(`/pipelines/${enc(p)}/runs/${enc(r)}/detail`, `run ${r}`);
  const source: RunSource = {
    pipelineNames,
    listRuns,
    getRun: (p, r) => runDetail(p, r).catch((err) => (err instanceof NotFoundError ? undefined : Promise.reject(err))),
    runExtras: async () => ({}),
    async pipelineOfRun(runId) {
      for (const p of await pipelineNames()) {
        const res = await client.request('GET', `/pipelines/${enc(p)}/runs/${enc(runId)}`);
        if (res.statusCode === 200) return p;
      }
      return undefined;
    },
  };
  return {
    source,
    pipelineNames,
    listRuns,
    runDetail,
    step: (p, r, s) => get<ApiStepDetail>(`/pipelines/${enc(p)}/runs/${enc(r)}/steps/${enc(s)}`, `step ${s} of run ${r}`),
    explain: (p, r, s, a) => get<ApiExplainDiff>(`/pipelines/${enc(p)}/runs/${enc(r)}/steps/${enc(s)}/explain/${enc(a)}`, `explain ${s}`),
    lineage: (ref) => get<ApiLineage>(`/lineage/${enc(ref)}`, `lineage of ${ref}`),
  };
}

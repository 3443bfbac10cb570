/**
 * Where the UI reads runs from: the REST API of `pipewright serve` (local or proxying a deployed stack), or
 * the snapshot a `pipewright report` HTML file carries.
 */
import type {
  ApiExplainDiff,
  ApiLineage,
  ApiRunDetail,
  ApiRunPage,
  ApiStepDetail,
} from '../../api';

/** An answer the UI shows as its 404 page. */
export class NotFound extends Error {}

/** The reads every view uses. */
export interface DataSource {
  /** Pipelines with definitions or runs. */
  pipelines(): Promise<string[]>;
  runs(pipeline: string, cursor?: string, limit?: number): Promise<ApiRunPage>;
  run(pipeline: string, runId: string): Promise<ApiRunDetail>;
  step(pipeline: string, runId: string, step: string): Promise<ApiStepDetail>;
  explain(pipeline: string, runId: string, step: string, against: string): Promise<ApiExplainDiff>;
  lineage(ref: string): Promise<ApiLineage>;
  /** URL to download an artifact. @default - none (a report has no server) */
  artifactUrl?(ref: string, name: string): string;
  /** true for a static report: no polling, no other runs. */
  readonly static: boolean;
}

/** The snapshot a report embeds: one run, its steps, and the runs listed beside it. */
export interface ReportSnapshot {
  readonly run: ApiRunDetail;
  readonly steps: Readonly<Record<string, ApiStepDetail>>;
  readonly runs: ApiRunPage;
  readonly generatedAt: string;
}

const enc = encodeURIComponent;

/** Reads through the REST API at `base` (same origin by default). */
export function httpSource(base = ''): DataSource {
  async function get<T>(path: string): Promise<T> {
    const res = await fetch(`${base}${path}`, { headers: { accept: 'application/json' } });
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    if (res.status === 404) throw new NotFound(body.error ?? body.message ?? `Not found: ${path}`);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${path}: ${body.error ?? body.message ?? ''}`);
    return body as T;
  }
  return {
    static: false,
    pipelines: async () => (await get<{ pipelines: string[] }>('/runs')).pipelines,
    runs: (p, cursor, limit = 100) =>
      get(`/pipelines/${enc(p)}/runs?limit=${limit}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    run: (p, r) => get(`/pipelines/${enc(p)}/runs/${enc(r)}/detail`),
    step: (p, r, s) => get(`/pipelines/${enc(p)}/runs/${enc(r)}/steps/${enc(s)}`),
    explain: (p, r, s, a) => get(`/pipelines/${enc(p)}/runs/${enc(r)}/steps/${enc(s)}/explain/${enc(a)}`),
    lineage: (ref) => get(`/lineage/${enc(ref)}`),
    artifactUrl: (ref, name) => `${base}/ui/artifacts/${enc(ref)}?name=${enc(name)}`,
  };
}

/** Reads a report's embedded snapshot; anything else is not in the report. */
export function staticSource(snap: ReportSnapshot): DataSource {
  const missing = (what: string) => Promise.reject(new NotFound(`${what} is not in this report (it holds run ${snap.run.runId} only); open it with 'pipewright serve'.`));
  return {
    static: true,
    pipelines: async () => [snap.run.pipeline],
    runs: async (p) => (p === snap.run.pipeline ? snap.runs : { runs: [] }),
    run: (p, r) => (p === snap.run.pipeline && r === snap.run.runId ? Promise.resolve(snap.run) : missing(`Run '${r}'`)),
    step: (p, r, s) => (r === snap.run.runId && snap.steps[s] ? Promise.resolve(snap.steps[s]) : missing(`Step '${s}' of run '${r}'`)),
    explain: (_p, _r, s) => missing(`The explain diff of '${s}'`),
    lineage: (ref) => missing(`Lineage of ${ref}`),
  };
}

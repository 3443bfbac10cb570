/**
 * The run history over a run source and the store: run pages, one run with its DAG, one step with its
 * logs and full metric series, the explain diff between two runs, and artifact lineage.
 *
 * The same code reads a local store (`pipewright serve`, the CLI) and the S3 store behind the deployed API.
 */
import { NotFoundError } from '../../errors';
import { loadManifest, readStepRecord, runKey, type CacheKeyDocument, type PipelineManifest, type StepRecord, type StepResult, type StepRunDocument } from '../../protocol';
import { explainKeys } from '../../reuse';
import type { ArtifactRef, ArtifactStore, Hash } from '../../store';
import { readStepDocuments } from '../run-view';
import type { ApiDeps, ApiRunView } from '../types';
import type {
  ApiExplainDiff,
  ApiItemCounts,
  ApiLineage,
  ApiLineageUse,
  ApiRunDetail,
  ApiRunPage,
  ApiRunSummary,
  ApiStepDetail,
  ApiStepLogs,
  ApiStepNode,
  RunExtras,
  RunSource,
} from './types';

/** Each captured stream is cut to its last this many bytes in a step detail. */
export const LOG_TAIL_BYTES = 256 * 1024;
/** Runs per page unless asked otherwise; the most a page holds. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
/** Newest runs per pipeline a lineage query looks at. @default */
export const LINEAGE_RUNS = 500;

/** The read side of runs, shared by the API routes, the UI report and the CLI. */
export interface RunHistory {
  readonly source: RunSource;
  pipelineNames(): Promise<string[]>;
  /** A page of runs, newest first; NotFoundError for an unknown pipeline. */
  listRuns(pipeline: string, limit?: number, cursor?: string): Promise<ApiRunPage>;
  /** One run with its DAG and step timings; NotFoundError naming the run and how to list runs. */
  runDetail(pipeline: string, runId: string): Promise<ApiRunDetail>;
  /** One step with its logs, metric series and key document. */
  step(pipeline: string, runId: string, step: string): Promise<ApiStepDetail>;
  /** Why a step's key differs between `against` (the baseline) and `runId`. */
  explain(pipeline: string, runId: string, step: string, against: string): Promise<ApiExplainDiff>;
  /** The runs and steps that produced and consumed an artifact (`sha256:…`, `tree:sha256:…` or `run.step.output`). */
  lineage(ref: string): Promise<ApiLineage>;
}

/** Whether a run-id-like string could name a run (Step Functions execution-name characters). */
const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ARTIFACT = /^(tree:)?sha256:[0-9a-f]{64}$/;

/** A run summary from its view: step counts, time saved and last metric values. */
export function summarize(view: ApiRunView, trigger?: string): ApiRunSummary {
  const counts = { ran: 0, reused: 0, failed: 0, skipped: 0, pending: 0 };
  let savedMs = 0;
  const metrics: Record<string, number> = {};
  for (const [name, s] of Object.entries(view.steps)) {
    if (s.status === 'running') counts.pending++;
    else counts[s.status]++;
    if (s.status === 'reused') savedMs += s.savedMs ?? 0;
    for (const [m, v] of Object.entries(s.metrics ?? {})) metrics[`${name}.${m}`] = v;
  }
  return {
    runId: view.runId,
    pipeline: view.pipeline,
    status: view.status,
    ...(trigger !== undefined ? { trigger } : {}),
    parameters: view.parameters,
    startedAt: view.startedAt,
    durationMs: view.durationMs,
    steps: counts,
    savedMs,
    metrics,
    ...(view.version !== undefined ? { version: view.version } : {}),
  };
}

function tail(bytes: Buffer): { text: string; cut: boolean } {
  if (bytes.length <= LOG_TAIL_BYTES) return { text: bytes.toString('utf8'), cut: false };
  return { text: bytes.subarray(bytes.length - LOG_TAIL_BYTES).toString('utf8'), cut: true };
}

/** Upstream steps of each step: data edges from the manifest plus `after` edges, unknown steps left out. */
function upstreamOf(names: readonly string[], manifest: PipelineManifest | undefined, extras: RunExtras): Map<string, string[]> {
  const known = new Set(names);
  const out = new Map<string, string[]>();
  for (const name of names) {
    const ups = new Set<string>();
    for (const input of Object.values(manifest?.steps[name]?.inputs ?? {})) if (input.kind === 'step') ups.add(input.step);
    for (const dep of extras.after?.[name] ?? []) ups.add(dep);
    out.set(name, [...ups].filter((u) => known.has(u) && u !== name).sort());
  }
  return out;
}

function skipReasonOf(view: ApiRunView, step: StepResult & { reason?: string; skipReason?: string }): string | undefined {
  if (step.status !== 'skipped') return undefined;
  return step.skipReason ?? step.reason ?? (view.status === 'cancelled' ? 'cancelled' : 'upstream-failed');
}

/** Creates the run history over a source of runs and the store their steps wrote to. */
export function createRunHistory(source: RunSource, store: ArtifactStore): RunHistory {
  const records = new Map<Hash, Promise<StepRecord | undefined>>();
  function record(key: Hash | undefined): Promise<StepRecord | undefined> {
    if (!key) return Promise.resolve(undefined);
    let r = records.get(key);
    if (!r) {
      r = readStepRecord(store, key).catch(() => undefined);
      records.set(key, r);
      if (records.size > 10_000) records.delete(records.keys().next().value as Hash);
    }
    return r;
  }

  async function manifestOf(hash: Hash | undefined): Promise<PipelineManifest | undefined> {
    if (!hash) return undefined;
    try {
      return await loadManifest(store, hash);
    } catch {
      return undefined; // an older or foreign run: the DAG shows the steps without edges
    }
  }

  async function knownPipeline(pipeline: string): Promise<void> {
    const names = await source.pipelineNames();
    if (!names.includes(pipeline)) {
      throw new NotFoundError(
        `No pipeline named '${pipeline}' here${names.length ? ` (pipelines: ${names.join(', ')})` : ''}; list them with 'pipewright runs' or GET /pipelines.`,
      );
    }
  }

  async function view(pipeline: string, runId: string): Promise<ApiRunView> {
    const v = RUN_ID.test(runId) ? await source.getRun(pipeline, runId) : undefined;
    if (v) return v;
    await knownPipeline(pipeline);
    throw new NotFoundError(
      `Pipeline '${pipeline}' has no run '${runId}'; list its runs with 'pipewright runs ${pipeline}' (GET /pipelines/${pipeline}/runs).`,
    );
  }

  function stepOf(v: ApiRunView, step: string): StepResult {
    const s = v.steps[step];
    if (!s) {
      throw new NotFoundError(
        `Run '${v.runId}' of '${v.pipeline}' has no step '${step}'; its steps are: ${Object.keys(v.steps).join(', ') || '(none)'}.`,
      );
    }
    return s;
  }

  async function runDetail(pipeline: string, runId: string): Promise<ApiRunDetail> {
    const v = await view(pipeline, runId);
    const extras = await source.runExtras(pipeline, runId).catch((): RunExtras => ({}));
    const names = Object.keys(v.steps);
    const [manifest, docs] = await Promise.all([manifestOf(extras.manifest), readStepDocuments(store, runId, names)]);
    const upstream = upstreamOf(names, manifest, extras);
    const steps: Record<string, ApiStepNode> = {};
    for (const name of names) {
      const s = v.steps[name] as StepResult & { items?: ApiItemCounts; reason?: string; skipReason?: string };
      // Foreach fields (issue 11) may be only in the step document, e.g. in the cloud view.
      const doc = docs[name] as (StepRunDocument & Pick<ApiStepNode, 'items' | 'failedItems'>) | undefined;
      const skipReason = skipReasonOf(v, s);
      const { reason: _reason, ...rest } = s;
      steps[name] = {
        ...rest,
        ...(s.startedAt === undefined && doc?.startedAt ? { startedAt: doc.startedAt } : {}),
        ...(doc?.recordRunId ? { recordRunId: doc.recordRunId } : {}),
        ...(s.items === undefined && doc?.items ? { items: doc.items } : {}),
        ...(!('failedItems' in s) && doc?.failedItems ? { failedItems: doc.failedItems } : {}),
        ...(skipReason ? { skipReason } : {}),
        upstream: upstream.get(name) ?? [],
      };
    }
    return { ...v, steps, ...(extras.trigger ? { trigger: extras.trigger } : {}), ...(extras.manifest ? { manifest: extras.manifest } : {}) };
  }

  async function logsOf(stdout: Hash | undefined, stderr: Hash | undefined): Promise<ApiStepLogs | undefined> {
    if (!stdout && !stderr) return undefined;
    const read = async (h: Hash | undefined) => (h ? tail(await store.getBytes(h).catch(() => Buffer.from('(log blob missing from the store)\n'))) : { text: '', cut: false });
    const [o, e] = await Promise.all([read(stdout), read(stderr)]);
    return { stdout: o.text, stderr: e.text, truncated: o.cut || e.cut };
  }

  async function step(pipeline: string, runId: string, name: string): Promise<ApiStepDetail> {
    const detail = await runDetail(pipeline, runId);
    const node = detail.steps[name] ?? (stepOf(detail as unknown as ApiRunView, name) as ApiStepNode);
    const doc = await store.getJson<StepRunDocument>(runKey(runId, name)).catch(() => undefined);
    const rec = await record(node.cacheKey ?? doc?.cacheKey);
    const series = doc?.metrics ?? (node.status === 'ran' || node.status === 'reused' ? rec?.metrics : undefined) ?? [];
    const logs = await logsOf(doc?.stdout ?? rec?.stdout, doc?.stderr ?? rec?.stderr);
    return {
      ...node,
      name,
      runId: detail.runId,
      pipeline: detail.pipeline,
      ...(node.cacheKey === undefined && doc?.cacheKey ? { cacheKey: doc.cacheKey } : {}),
      ...(node.startedAt === undefined && (doc?.startedAt ?? rec?.startedAt) ? { startedAt: doc?.startedAt ?? rec?.startedAt } : {}),
      metricSeries: series,
      ...(rec ? { keyDocument: rec.keyDocument } : {}),
      ...(doc?.exitCode !== undefined ? { exitCode: doc.exitCode } : {}),
      ...(logs ? { logs } : {}),
    };
  }

  async function keyDocumentOf(pipeline: string, runId: string, name: string): Promise<{ key?: Hash; doc?: CacheKeyDocument }> {
    const v = await view(pipeline, runId);
    const s = stepOf(v, name);
    let key = s.cacheKey;
    if (!key) key = (await store.getJson<StepRunDocument>(runKey(runId, name)).catch(() => undefined))?.cacheKey;
    return { key, doc: (await record(key))?.keyDocument };
  }

  async function explain(pipeline: string, runId: string, name: string, against: string): Promise<ApiExplainDiff> {
    const [b, a] = await Promise.all([keyDocumentOf(pipeline, runId, name), keyDocumentOf(pipeline, against, name)]);
    const out = (verdict: ApiExplainDiff['verdict'], lines: string[]): ApiExplainDiff => ({ runId, against, step: name, verdict, lines });
    if (a.key && a.key === b.key) return out('same', [`same key ${a.key}: nothing the key covers changed`]);
    if (!a.doc || !b.doc) {
      const missing = !a.doc ? against : runId;
      return out('unknown', [`run ${missing} recorded no key document for '${name}' (the step did not finish), so the keys cannot be compared`]);
    }
    const lines = await explainKeys(a.doc, b.doc, { store });
    return out('differs', lines.length ? lines : ['the keys differ only in their format version']);
  }

  async function resolveRef(ref: string): Promise<ArtifactRef> {
    if (ARTIFACT.test(ref)) return ref as ArtifactRef;
    const m = /^([A-Za-z0-9_-]+)\.([^.]+)\.(.+)$/.exec(ref);
    if (!m) {
      throw new NotFoundError(
        `'${ref}' is neither an artifact hash (sha256:<64 hex>, tree:sha256:<64 hex>) nor <runId>.<step>.<output>; 'pipewright show <runId>' lists a run's outputs.`,
      );
    }
    const [, runId, stepName, output] = m;
    const pipeline = await source.pipelineOfRun(runId);
    if (!pipeline) throw new NotFoundError(`No run '${runId}' here; list runs with 'pipewright runs'.`);
    const s = stepOf(await view(pipeline, runId), stepName);
    const artifact = s.outputs?.[output];
    if (!artifact) {
      throw new NotFoundError(
        `Step '${stepName}' of run '${runId}' has no output '${output}'; its outputs are: ${Object.keys(s.outputs ?? {}).join(', ') || '(none)'} ('pipewright show ${runId}').`,
      );
    }
    return artifact;
  }

  async function lineage(ref: string): Promise<ApiLineage> {
    const artifact = await resolveRef(ref);
    const producedBy: ApiLineageUse[] = [];
    const consumedBy: ApiLineageUse[] = [];
    let runsScanned = 0;
    for (const pipeline of await source.pipelineNames()) {
      let cursor: string | undefined;
      let seen = 0;
      do {
        const page = await source.listRuns(pipeline, Math.min(MAX_PAGE, LINEAGE_RUNS - seen), cursor);
        if (!page) break;
        for (const summary of page.runs) {
          const v = await source.getRun(pipeline, summary.runId);
          if (!v) continue;
          runsScanned++;
          await Promise.all(
            Object.entries(v.steps).map(async ([name, s]) => {
              const use = { pipeline, runId: v.runId, step: name, status: s.status, startedAt: v.startedAt };
              for (const [out, r] of Object.entries(s.outputs ?? {})) if (r === artifact) producedBy.push({ ...use, name: out });
              const keyDoc = (await record(s.cacheKey))?.keyDocument;
              for (const [input, r] of Object.entries(keyDoc?.inputs ?? {})) if (r === artifact) consumedBy.push({ ...use, name: input });
            }),
          );
        }
        seen += page.runs.length;
        cursor = page.nextCursor;
      } while (cursor && seen < LINEAGE_RUNS);
    }
    const order = (a: ApiLineageUse, b: ApiLineageUse) => a.runId.localeCompare(b.runId) || a.step.localeCompare(b.step) || a.name.localeCompare(b.name);
    if (producedBy.length === 0 && consumedBy.length === 0 && ARTIFACT.test(ref) && !(await store.has(artifact.replace(/^tree:/, '') as Hash).catch(() => false))) {
      throw new NotFoundError(`No artifact ${ref} in the store at ${store.location}, and no run produced or consumed it; 'pipewright show <runId>' lists a run's outputs.`);
    }
    return { ref, artifact, producedBy: producedBy.sort(order), consumedBy: consumedBy.sort(order), runsScanned };
  }

  return {
    source,
    pipelineNames: () => source.pipelineNames(),
    async listRuns(pipeline, limit = DEFAULT_PAGE, cursor) {
      const page = await source.listRuns(pipeline, Math.max(1, Math.min(MAX_PAGE, limit)), cursor);
      if (!page) {
        await knownPipeline(pipeline);
        return { runs: [] };
      }
      return page;
    },
    runDetail,
    step,
    explain,
    lineage,
  };
}

/** The dependencies with the run history added (keeping `deps` as it is, class instance or not). */
export function withHistory(deps: ApiDeps, history: RunHistory): ApiDeps {
  return {
    history,
    listPipelines: () => deps.listPipelines(),
    getPipeline: (name, version) => deps.getPipeline(name, version),
    startRun: (req) => deps.startRun(req),
    getRun: (pipeline, runId) => deps.getRun(pipeline, runId),
    cancelRun: (pipeline, runId) => deps.cancelRun(pipeline, runId),
  };
}

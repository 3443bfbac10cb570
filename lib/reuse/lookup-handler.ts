/**
 * The lookup handler: the first task of every step, shared by the local engine and the cloud Lambda.
 */
import { IntegrityError, NotFoundError } from '../errors';
import {
  decodeLookupRequest,
  loadManifest,
  readStepRecord,
  recordKey,
  runKey,
  runStatusOf,
  stepFailedCause,
  stoppedRunFinallyKey,
  type StoppedRunFinally,
  type JobSpec,
  type LookupCall,
  type LookupRequest,
  type LookupResult,
  type PipelineManifest,
  type SkipReason,
  type StepRecord,
  type StepRunDocument,
} from '../protocol';
import { canonicalJson, type ArtifactStore, type Hash } from '../store';
import { gatherForeach, planForeach, type ForeachContext } from './foreach-step';
import { KeyResolver, type ResolvedKey, type UriResolver } from './key-resolver';
import { decideSkip, type SkipDecision } from './skip';

/** An event the handler reports after each lookup. */
export interface LookupEvent {
  readonly type: 'lookup';
  readonly step: string;
  /** @default - none: the step was skipped */
  readonly key?: Hash;
  /** true = reused from the store. */
  readonly hit: boolean;
  /** true = skipped (a false condition, or a skipped upstream). @default false */
  readonly skipped?: boolean;
  readonly runId: string;
}

/** What the lookup handler needs. */
export interface LookupHandlerDeps {
  readonly store: ArtifactStore;
  /** Called after each lookup. @default - no events */
  readonly onEvent?: (e: LookupEvent) => void;
  /** Called when a record is found unusable (e.g. a corrupted output) and the step will re-run. @default - silent */
  readonly onWarning?: (message: string) => void;
  /** Resolves `uri:` inputs to content in the store. @default - a `uri:` input fails naming the step and input */
  readonly resolveUri?: UriResolver;
  /**
   * Whether a hit re-hashes the recorded outputs before reuse (a corrupted one makes the step re-run).
   *
   * Cheap on a local disk; on S3 it downloads every output, so the Lambda turns it off.
   * @default true
   */
  readonly verifyOutputs?: boolean;
}

/** A lookup handler: `LookupRequest` in, `LookupResult` out. */
export type LookupHandler = (req: LookupRequest) => Promise<LookupResult>;

/** Executions whose key memo is kept (a long-lived Lambda sees many). */
const MAX_EXECUTIONS = 64;

/**
 * Creates the handler that computes a step's cache key and decides between reuse and a run.
 *
 * On a hit it writes `runs/<runId>/<step>.json` with status `reused`; on a miss it stores the `JobSpec` blob
 * the runner executes.
 */
export function createLookupHandler(deps: LookupHandlerDeps): LookupHandler {
  const resolvers = new ResolverCache(deps);
  return async (req: LookupRequest): Promise<LookupResult> => {
    const call = decodeLookupRequest(req);
    const resolver = await resolvers.forCall(call);
    const manifest = resolver.manifest;
    const step = manifest.steps[call.step];
    if (call.gather) return gather(deps, call, manifest, await resolver.resolve(call.step));
    const decision = await decideSkip(deps.store, manifest, step, call.runId, resolver, call.parameters);
    if (decision.skip) return skip(deps, call, decision.skip, decision);
    const resolved = await resolver.resolve(call.step);
    const record = step.cache && !call.noCache ? await usableRecord(deps, call.step, resolved.key) : undefined;
    // A foreach result with tolerated failures is never reused whole: the lookup re-runs its failed items.
    const reused = record && record.failedItems === undefined ? await reuse(deps, call, resolved, record) : undefined;
    const result =
      reused ??
      (step.foreach
        ? await planRun(deps, call, manifest, resolved)
        : await prepareRun(deps.store, call, manifest, resolved, step.final ? await outcomeEnv(deps.store, call, manifest) : {}));
    deps.onEvent?.({ type: 'lookup', step: call.step, key: resolved.key, hit: !result.run, runId: call.runId });
    return decision.v ? { ...result, v: decision.v } : result;
  };
}

/** Records a skipped step (its condition, or an upstream's, was false); its key is never computed. */
async function skip(deps: LookupHandlerDeps, call: LookupCall, reason: SkipReason, decision: SkipDecision): Promise<LookupResult> {
  const doc: StepRunDocument = { step: call.step, status: 'skipped', skip: reason, outputs: {}, metrics: [], durationMs: 0 };
  await deps.store.putJson(runKey(call.runId, call.step), doc);
  deps.onEvent?.({ type: 'lookup', step: call.step, hit: false, skipped: true, runId: call.runId });
  return { step: call.step, run: false, skip: reason, fail: stepFailedCause(call.step), ...(decision.v ? { v: decision.v } : {}) };
}

/** What a foreach step's plan and gather share. */
function foreachContext(deps: LookupHandlerDeps, call: LookupCall, manifest: PipelineManifest, resolved: ResolvedKey): ForeachContext {
  const step = manifest.steps[call.step];
  return {
    store: deps.store,
    pipeline: manifest.pipeline,
    runId: call.runId,
    step,
    resolved,
    useCache: step.cache && !call.noCache,
    verify: async (record) => {
      if (deps.verifyOutputs ?? true) for (const ref of Object.values(record.outputs)) await deps.store.verify(ref);
    },
    onWarning: deps.onWarning,
  };
}

/** Plans a foreach step's run: the items that missed, as one plan blob; only a count and its hash are returned. */
async function planRun(deps: LookupHandlerDeps, call: LookupCall, manifest: PipelineManifest, resolved: ResolvedKey): Promise<LookupResult> {
  const at = new Date().toISOString();
  const plan = await planForeach(foreachContext(deps, call, manifest, resolved));
  return { step: call.step, key: resolved.key, run: true, jobs: plan.jobs, job: plan.plan, t: plan.attemptSeconds, fail: stepFailedCause(call.step), at };
}

/** The gather task of a foreach step: its outputs as directories, the tolerance check, its record. */
async function gather(deps: LookupHandlerDeps, call: LookupCall, manifest: PipelineManifest, resolved: ResolvedKey): Promise<LookupResult> {
  const planned = call.previous?.at !== undefined ? new Date(call.previous.at) : new Date();
  const startedAt = Number.isNaN(planned.getTime()) ? new Date() : planned;
  const { document } = await gatherForeach(foreachContext(deps, call, manifest, resolved), startedAt);
  deps.onEvent?.({ type: 'lookup', step: call.step, key: resolved.key, hit: document.status === 'reused', runId: call.runId });
  return { step: call.step, key: resolved.key, run: false, outputs: document.outputs, fail: stepFailedCause(call.step) };
}

/** One `KeyResolver` per execution (and manifest), the latest `MAX_EXECUTIONS` kept; manifests read once. */
class ResolverCache {
  private readonly manifests = new Map<Hash, Promise<PipelineManifest>>();
  private readonly executions = new Map<string, KeyResolver>();

  constructor(private readonly deps: LookupHandlerDeps) {}

  public async forCall(call: LookupCall): Promise<KeyResolver> {
    const id = `${call.executionId}\n${call.manifest}`;
    let r = this.executions.get(id);
    if (!r) {
      const manifest = await this.manifest(call.manifest);
      r = this.executions.get(id);
      if (!r) {
        r = new KeyResolver({ store: this.deps.store, manifest, params: call.parameters, resolveUri: this.deps.resolveUri, runId: call.runId });
        this.executions.set(id, r);
        if (this.executions.size > MAX_EXECUTIONS) this.executions.delete(this.executions.keys().next().value as string);
      }
    }
    return r;
  }

  private manifest(hash: Hash): Promise<PipelineManifest> {
    let p = this.manifests.get(hash);
    if (!p) {
      p = loadManifest(this.deps.store, hash);
      this.manifests.set(hash, p);
      p.catch(() => this.manifests.delete(hash));
    }
    return p;
  }
}

/** The record of `key` when it is present and (if asked) its outputs intact; a damaged one is reported and skipped. */
async function usableRecord(deps: LookupHandlerDeps, step: string, key: Hash): Promise<StepRecord | undefined> {
  try {
    const record = await readStepRecord(deps.store, key);
    if (record && (deps.verifyOutputs ?? true)) {
      for (const ref of Object.values(record.outputs)) await deps.store.verify(ref);
    }
    return record;
  } catch (err) {
    if (!(err instanceof IntegrityError) && !(err instanceof NotFoundError)) throw err;
    deps.onWarning?.(`Step '${step}': the stored record ${key} or its outputs are damaged (${(err as Error).message}); re-running the step.`);
    return undefined;
  }
}

/**
 * Reuses a record: writes the step's run document with status `reused`, then checks the record is still there.
 *
 * The check closes the race with `pipewright gc` (see lib/gc/collect.ts): once the run document names the key,
 * a gc keeps or restores the record and its blobs; a record gone by then was taken by a gc that may also sweep
 * its blobs, so the step runs instead (undefined), and the runner's document replaces this one.
 */
async function reuse(deps: LookupHandlerDeps, call: LookupCall, resolved: ResolvedKey, record: StepRecord): Promise<LookupResult | undefined> {
  const store = deps.store;
  const { key, items } = resolved;
  const runDoc: StepRunDocument = {
    step: call.step,
    status: 'reused',
    cacheKey: key,
    outputs: record.outputs,
    metrics: record.metrics,
    durationMs: 0,
    savedMs: record.durationMs,
    recordRunId: record.runId,
    stdout: record.stdout,
    stderr: record.stderr,
    ...(items ? { items: { total: items.length, ran: 0, reused: items.length, failed: 0 } } : {}),
  };
  await store.putJson(runKey(call.runId, call.step), runDoc);
  if (!(await store.hasDocument(recordKey(key)))) {
    deps.onWarning?.(`Step '${call.step}': its stored record ${key} was removed (by pipewright gc) while being reused; re-running the step.`);
    return undefined;
  }
  return { step: call.step, key, run: false, outputs: record.outputs, fail: stepFailedCause(call.step) };
}

/**
 * What a finally-step is told about the run: `PW_RUN_STATUS` and `PW_FAILED_STEPS` (comma-separated, sorted).
 * In a finally-only execution it also names that execution beside the stopped run's steps.
 */
async function outcomeEnv(store: ArtifactStore, call: LookupCall, manifest: PipelineManifest): Promise<Record<string, string>> {
  if (call.finallyExecution) {
    const doc: StoppedRunFinally = { execution: call.finallyExecution, at: new Date().toISOString() };
    await store.putJson(stoppedRunFinallyKey(call.runId), doc);
  }
  const steps = Object.values(manifest.steps).filter((s) => !s.final).map((s) => s.name);
  const docs = await Promise.all(steps.map((s) => store.getJson<StepRunDocument>(runKey(call.runId, s)).catch(() => undefined)));
  const failed = steps.filter((_, i) => docs[i]?.status === 'failed').sort();
  return { PW_RUN_STATUS: runStatusOf(call.failure), PW_FAILED_STEPS: failed.join(',') };
}

/** Stores the JobSpec the runner will execute. */
async function prepareRun(
  store: ArtifactStore,
  call: LookupCall,
  manifest: PipelineManifest,
  resolved: ResolvedKey,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<LookupResult> {
  const step = manifest.steps[call.step];
  const { key, doc } = resolved;
  const job: JobSpec = {
    v: 1,
    pipeline: manifest.pipeline,
    runId: call.runId,
    step: call.step,
    key,
    keyDocument: doc,
    code: step.code,
    command: step.command,
    env: { ...step.env, ...extraEnv },
    inputs: doc.inputs,
    params: doc.params,
    outputs: step.outputs,
    gpus: step.compute.gpus,
  };
  const jobHash = await store.putBytes(Buffer.from(canonicalJson(job), 'utf8'));
  return { step: call.step, key, run: true, job: jobHash, fail: stepFailedCause(call.step) };
}

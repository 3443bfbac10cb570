/**
 * The lookup handler: the first task of every step, shared by the local engine and the cloud Lambda.
 */
import { IntegrityError, NotFoundError } from '../errors';
import type { JobSpec, LookupRequest, LookupResult, PipelineManifest, StepRunDocument } from '../manifest/types';
import { canonicalJson } from '../store';
import type { ArtifactStore, Hash, StepRecord } from '../store/types';
import { gatherForeach, planForeach, type ForeachContext } from './foreach-step';
import { KeyResolver, type UriResolver } from './key-resolver';
import { decideSkip } from './skip';

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

/** The run id of an execution: the last `:`-separated segment of its id. */
export function runIdOf(executionId: string): string {
  const parts = executionId.split(':');
  return parts[parts.length - 1];
}

/**
 * Creates the handler that computes a step's cache key and decides between reuse and a run.
 *
 * On a hit it writes `runs/<runId>/<step>.json` with status `reused`; on a miss it stores the `JobSpec` blob
 * the runner executes.
 */
export function createLookupHandler(deps: LookupHandlerDeps): LookupHandler {
  const { store } = deps;
  const verifyOutputs = deps.verifyOutputs ?? true;
  const manifests = new Map<Hash, Promise<PipelineManifest>>();
  const executions = new Map<string, KeyResolver>();

  const loadManifest = (hash: Hash): Promise<PipelineManifest> => {
    let p = manifests.get(hash);
    if (!p) {
      p = store.getBytes(hash).then(
        (bytes) => JSON.parse(bytes.toString('utf8')) as PipelineManifest,
        (err: unknown) => {
          if (err instanceof NotFoundError) {
            throw new NotFoundError(`Manifest ${hash} is not in the store (${store.location}); build it with buildManifest first.`);
          }
          throw err;
        },
      );
      manifests.set(hash, p);
      p.catch(() => manifests.delete(hash));
    }
    return p;
  };

  const resolverFor = async (req: LookupRequest): Promise<KeyResolver> => {
    const id = `${req.i.x}\n${req.i.m}`;
    let r = executions.get(id);
    if (!r) {
      const manifest = await loadManifest(req.i.m);
      r = executions.get(id);
      if (!r) {
        r = new KeyResolver({ store, manifest, params: req.i.p, resolveUri: deps.resolveUri });
        executions.set(id, r);
        if (executions.size > MAX_EXECUTIONS) executions.delete(executions.keys().next().value as string);
      }
    }
    return r;
  };

  return async (req: LookupRequest): Promise<LookupResult> => {
    const resolver = await resolverFor(req);
    const manifest = resolver.manifest;
    const name = req.s;
    const step = manifest.steps[name];
    const runId = runIdOf(req.i.x);
    const fail = `Step '${name}' failed`;
    const decision = req.g ? {} : await decideSkip(store, manifest, step, runId, resolver, req.i.p);
    const v = decision.v ? { v: decision.v } : {};
    if (decision.skip) {
      const skipped: StepRunDocument = { step: name, status: 'skipped', skip: decision.skip, outputs: {}, metrics: [], durationMs: 0 };
      await store.putJson(`runs/${runId}/${name}.json`, skipped);
      deps.onEvent?.({ type: 'lookup', step: name, hit: false, runId, skipped: true });
      return { step: name, run: false, skip: decision.skip, fail, ...v };
    }
    const resolved = await resolver.resolve(name);
    const { key, doc } = resolved;

    const verify = async (record: StepRecord): Promise<void> => {
      if (verifyOutputs) for (const ref of Object.values(record.outputs)) await store.verify(ref);
    };
    const foreachCtx = (): ForeachContext => ({
      store,
      pipeline: manifest.pipeline,
      runId,
      step,
      resolved: { key, doc, items: resolved.items },
      useCache: step.cache && !req.i.n,
      verify,
      onWarning: deps.onWarning,
    });
    if (req.g) {
      const at = req.i.c?.at !== undefined ? new Date(req.i.c.at) : new Date();
      const { document } = await gatherForeach(foreachCtx(), Number.isNaN(at.getTime()) ? new Date() : at);
      deps.onEvent?.({ type: 'lookup', step: name, key, hit: document.status === 'reused', runId });
      return { step: name, key, run: false, outputs: document.outputs, fail };
    }

    if (step.cache && !req.i.n) {
      let record: StepRecord | undefined;
      let usable = false;
      try {
        record = await store.getRecord(key);
        // A foreach result with tolerated failures is reused by nobody: the lookup re-runs its failed items.
        usable = record !== undefined && record.failedItems === undefined;
        if (record && verifyOutputs) {
          for (const ref of Object.values(record.outputs)) await store.verify(ref);
        }
      } catch (err) {
        if (!(err instanceof IntegrityError) && !(err instanceof NotFoundError)) throw err;
        usable = false;
        deps.onWarning?.(`Step '${name}': the stored record ${key} or its outputs are damaged (${(err as Error).message}); re-running the step.`);
      }
      if (record && usable) {
        const runDoc: StepRunDocument = {
          step: name,
          status: 'reused',
          cacheKey: key,
          outputs: record.outputs,
          metrics: record.metrics,
          durationMs: 0,
          savedMs: record.durationMs,
          recordRunId: record.runId,
          stdout: record.stdout,
          stderr: record.stderr,
          ...(resolved.items ? { items: { total: resolved.items.length, ran: 0, reused: resolved.items.length, failed: 0 } } : {}),
        };
        await store.putJson(`runs/${runId}/${name}.json`, runDoc);
        deps.onEvent?.({ type: 'lookup', step: name, key, hit: true, runId });
        return { step: name, key, run: false, outputs: record.outputs, fail, ...v };
      }
    }

    if (step.foreach) {
      const at = new Date().toISOString();
      const plan = await planForeach(foreachCtx());
      deps.onEvent?.({ type: 'lookup', step: name, key, hit: false, runId });
      return { step: name, key, run: true, jobs: plan.jobs, job: plan.plan, fail, at, ...v };
    }

    const job: JobSpec = {
      v: 1,
      pipeline: manifest.pipeline,
      runId,
      step: name,
      key,
      keyDocument: doc,
      code: step.code,
      command: step.command,
      env: step.env,
      inputs: doc.inputs,
      params: doc.params,
      outputs: step.outputs,
      gpus: step.compute.gpus,
    };
    const jobHash = await store.putBytes(Buffer.from(canonicalJson(job), 'utf8'));
    deps.onEvent?.({ type: 'lookup', step: name, key, hit: false, runId });
    return { step: name, key, run: true, job: jobHash, fail, ...v };
  };
}

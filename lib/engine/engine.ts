/**
 * The local engine: runs a pipeline's compiled state machine with aws-local-stepfunctions.
 *
 * The ASL alone orders the steps. The engine only substitutes the definition's placeholders and
 * overrides every Task state: lookup tasks call the same handler the cloud Lambda uses, Batch tasks run
 * the step as a local subprocess through lib/runner, admitted by a resource semaphore.
 */
import '../compat';
import { setMaxListeners } from 'node:events';
import { cpus, hostname, totalmem } from 'node:os';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { compile, LOOKUP_PLACEHOLDER, MANIFEST_PLACEHOLDER, STOPPED_RUN_STATE, substitute, type CompiledPipeline, type JobDefinitionSpec } from '../compiler';
import { RunFailedError, UsageError } from '../errors';
import { buildManifest } from '../manifest';
import {
  executionInput,
  jobGroupsOf,
  loadJobSpec,
  runKey,
  stoppedRunInput,
  ARRAY_INDEX_ENV,
  type ItemCounts,
  type JobItem,
  type StepRunDocument,
  JOB_PARAMETER,
  lastMetricValues,
  newRunId,
  readStepRecord,
  runDocumentKey,
  type LookupRequest,
  type LookupResult,
  type RunStatus,
  type StepRecord,
  type FinishedStepResult,
  type StoppedRunDescription,
} from '../protocol';
import { createLookupHandler, type LookupHandler } from '../reuse';
import { resolveParameters } from '../spec';
import { detectGpus, removeStaleStaging, runBatch, runJob } from '../runner';
import { createS3UriResolver, type Hash } from '../store';
import { executionArn, LOCAL_LOOKUP_ARN, localJobDefinitionArn, localQueueArn } from './local-arns';
import { ResourcePool, type ResourceDemand } from './resources';
import { RunScopedStore } from './run-store';
import { prepareStateMachine } from './state-machine';
import { lockStep, type StepLock } from './step-lock';
import type { EngineEvent, RunDocument, RunHandle, RunOptions } from './types';

/** The input a `<step> run` Batch task receives (its Parameters, with placeholders filled). */
interface BatchTaskInput {
  readonly JobName: string;
  readonly JobQueue: string;
  readonly JobDefinition: string;
  readonly Parameters: { readonly [JOB_PARAMETER]: Hash };
}

/** Error a failed Batch task raises inside the state machine (caught by the step's `States.ALL` Catch). */
class TaskFailedError extends Error {
  public override readonly name = 'States.TaskFailed';
}

/** Starts a local run of a pipeline; the returned handle's `result` settles with the final run document. */
export function startRun(opts: RunOptions): RunHandle {
  const runId = opts.runId ?? newRunId();
  const cancelController = new AbortController();
  if (opts.signal) {
    if (opts.signal.aborted) cancelController.abort();
    else opts.signal.addEventListener('abort', () => cancelController.abort(), { once: true });
  }
  const result = execute(runId, opts, cancelController.signal);
  return { runId, result, cancel: () => cancelController.abort() };
}

/** Names of every Task state in a definition, branches and iterators included. */
function taskStateNames(def: { States: Record<string, unknown> }, into: string[] = []): string[] {
  for (const [name, raw] of Object.entries(def.States)) {
    const state = raw as { Type: string; Branches?: unknown[]; Iterator?: unknown; ItemProcessor?: unknown };
    if (state.Type === 'Task') into.push(name);
    for (const b of state.Branches ?? []) taskStateNames(b as { States: Record<string, unknown> }, into);
    for (const sub of [state.Iterator, state.ItemProcessor]) {
      if (sub) taskStateNames(sub as { States: Record<string, unknown> }, into);
    }
  }
  return into;
}

/** Item counts of a foreach step reused as a whole. */
function allReused(total: number): ItemCounts {
  return { total, ran: 0, reused: total, failed: 0 };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A step's secret values, read from this process's environment (checked present before the run starts). */
function secretsOf(sources: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!sources) return undefined;
  return Object.fromEntries(Object.keys(sources).map((k) => [k, process.env[k] ?? '']));
}

function lastMetrics(record: StepRecord | undefined): Record<string, number> | undefined {
  return !record || record.metrics.length === 0 ? undefined : lastMetricValues(record.metrics);
}

/** Checks resources before anything runs; returns the pool and the extra env of GPU-less machines. */
async function planResources(
  opts: RunOptions,
): Promise<{ pool: ResourcePool; demands: Map<string, ResourceDemand>; gpuless: boolean }> {
  const ir = opts.pipeline;
  const concurrency = opts.concurrency ?? cpus().length;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`--concurrency must be a positive integer; received ${String(opts.concurrency)}.`);
  }
  const gpuSteps = Object.values(ir.steps).filter((s) => s.compute.gpus > 0);
  const gpus = opts.gpus ?? (gpuSteps.length > 0 ? await detectGpus() : []);
  const gpuless = gpus.length === 0;
  if (gpuless && gpuSteps.length > 0) {
    const names = gpuSteps.map((s) => `'${s.name}'`).join(', ');
    if (opts.requireGpus) {
      throw new UsageError(
        `Step(s) ${names} ask for GPUs but nvidia-smi found none on this machine, and --require-gpus was given; ` +
          `run on a machine with GPUs, or drop --require-gpus to run them without (PW_GPUS=0).`,
      );
    }
    opts.onEvent?.({
      type: 'warning',
      message: `step(s) ${names} ask for GPUs but none were found (nvidia-smi); they run on the CPU with PW_GPUS=0`,
    });
  }
  const capacity = {
    cpus: cpus().length,
    memory: Math.floor(totalmem() / (1024 * 1024)),
    gpus,
    concurrency,
  };
  const pool = new ResourcePool(capacity);
  const demands = new Map<string, ResourceDemand>();
  const problems: string[] = [];
  for (const step of Object.values(ir.steps)) {
    const demand = { vcpus: step.compute.vcpus, memory: step.compute.memory, gpus: gpuless ? 0 : step.compute.gpus };
    demands.set(step.name, demand);
    const why = pool.whyNever(demand);
    if (why) {
      problems.push(
        `${ir.source}: steps.${step.name}.compute: step '${step.name}' ${why}, so it can never run here; ` +
          `lower its compute or run the pipeline on AWS Batch.`,
      );
    }
  }
  for (const step of Object.values(ir.steps)) {
    for (const name of Object.keys(step.secrets ?? {})) {
      if (process.env[name] === undefined) {
        problems.push(
          `${ir.source}: steps.${step.name}.secrets.${name}: ${name} is not set in this environment; locally a secret ` +
            `is read from the variable of the same name: set it (e.g. export ${name}=…) and run again.`,
        );
      }
    }
  }
  if (problems.length) throw new UsageError(problems.join('\n'), problems);
  return { pool, demands, gpuless };
}

/** What the local Task handlers share within one run. */
interface TaskContext {
  readonly opts: RunOptions;
  readonly store: RunScopedStore;
  readonly emit: (e: EngineEvent) => void;
  /** Records a step's final result and reports it. */
  readonly finish: (step: string, result: FinishedStepResult) => void;
  readonly lookup: LookupHandler;
  /** Cache key of each step that reached its lookup. */
  readonly keys: Map<string, Hash>;
  readonly pool: ResourcePool;
  readonly demands: ReadonlyMap<string, ResourceDemand>;
  readonly gpuless: boolean;
  /** Job-definition ARN → its spec (retries, timeout). */
  readonly jobDefs: ReadonlyMap<string, JobDefinitionSpec>;
  /** Aborted when the execution ends or the run is cancelled: kills running steps. */
  readonly stop: AbortController;
  readonly cancel: AbortSignal;
  readonly runId: string;
}

/** The compiled definition with local values for its placeholders, and the job definitions by local ARN. */
function localDefinition(
  compiled: CompiledPipeline,
  manifestHash: Hash,
): { values: Record<string, string>; jobDefs: Map<string, JobDefinitionSpec>; definition: StateMachineDefinition } {
  const values: Record<string, string> = {};
  const jobDefs = new Map<string, JobDefinitionSpec>();
  for (const jd of compiled.jobDefinitions) {
    values[jd.id] = localJobDefinitionArn(jd.id);
    jobDefs.set(values[jd.id], jd);
  }
  for (const name of compiled.placeholders) {
    if (name === MANIFEST_PLACEHOLDER) values[name] = manifestHash;
    else if (name === LOOKUP_PLACEHOLDER) values[name] = LOCAL_LOOKUP_ARN;
    else if (name.startsWith('Queue')) values[name] = localQueueArn(name);
    else if (!(name in values)) values[name] = localJobDefinitionArn(name);
  }
  const definition = JSON.parse(substitute(JSON.stringify(compiled.definition), values)) as StateMachineDefinition;
  return { values, jobDefs, definition };
}

/** The local handler of a step's lookup Task: the shared lookup handler, reported as progress. */
function lookupTask(ctx: TaskContext, step: string) {
  return async (input: unknown): Promise<LookupResult> => {
    ctx.emit({ type: 'step-checking', step });
    const started = performance.now();
    let r: LookupResult;
    try {
      r = await ctx.lookup(input as LookupRequest);
    } catch (err) {
      ctx.finish(step, { status: 'failed', error: `cache lookup failed: ${errorMessage(err)}` });
      throw err;
    }
    if (r.skip) {
      ctx.finish(step, { status: 'skipped', reason: 'condition', skippedBy: r.skip.step, condition: r.skip.condition });
      return r;
    }
    if (r.key === undefined) throw new RunFailedError(`Step '${step}': the lookup returned no cache key.`, step);
    ctx.keys.set(step, r.key);
    if (!r.run) {
      const record = ctx.store.knownRecord(r.key) ?? (await readStepRecord(ctx.store, r.key));
      ctx.finish(step, {
        status: 'reused',
        cacheKey: r.key,
        durationMs: Math.round(performance.now() - started),
        outputs: r.outputs ?? record?.outputs ?? {},
        ...(lastMetrics(record) ? { metrics: lastMetrics(record) } : {}),
        ...(record ? { savedMs: record.durationMs } : {}),
        ...(record?.keyDocument.items ? { items: allReused(record.keyDocument.items.keys.length) } : {}),
      });
    }
    return r;
  };
}

/** The local handler of a step's Batch Task: the runner in a subprocess, admitted by the resource pool, retried. */
function batchTask(ctx: TaskContext, step: string) {
  return async (input: unknown): Promise<unknown> => {
    const task = input as BatchTaskInput;
    const jd = ctx.jobDefs.get(task.JobDefinition);
    if (!jd) throw new TaskFailedError(`Step '${step}': unknown job definition ${task.JobDefinition}`);
    const key = ctx.keys.get(step);
    ctx.emit({ type: 'step-queued', step });
    // The same step (same cache key) running in another live process is waited for, then reused.
    let lock: StepLock | undefined;
    try {
      lock = key
        ? await lockStep(ctx.opts.store, key, {
            signal: ctx.stop.signal,
            onWait: (holder) => ctx.emit({ type: 'warning', message: `step '${step}': waiting for ${holder}, which is running the same step (same cache key)` }),
            onWarning: (message) => ctx.emit({ type: 'warning', message }),
          })
        : undefined;
    } catch {
      ctx.finish(step, { status: 'skipped', ...(key ? { cacheKey: key } : {}) });
      throw new TaskFailedError(`Step '${step}' was stopped before it started`);
    }
    if (lock?.waited && key && !ctx.opts.noCache && ctx.opts.pipeline.steps[step]?.cache !== false) {
      const record = await readStepRecord(ctx.store, key).catch(() => undefined);
      if (record) {
        await lock.release();
        const metrics = lastMetrics(record);
        ctx.finish(step, { status: 'reused', cacheKey: key, durationMs: 0, outputs: record.outputs, ...(metrics ? { metrics } : {}), savedMs: record.durationMs });
        return { JobName: step, Status: 'SUCCEEDED' };
      }
    }
    let lease;
    try {
      lease = await ctx.pool.acquire(ctx.demands.get(step) ?? jd, ctx.stop.signal);
    } catch (err) {
      await lock?.release();
      if (ctx.stop.signal.aborted) {
        ctx.finish(step, { status: 'skipped', ...(key ? { cacheKey: key } : {}) });
        throw new TaskFailedError(`Step '${step}' was stopped before it started`);
      }
      throw err;
    }
    const gpuEnv: Record<string, string> = ctx.gpuless
      ? { PW_GPUS: '0', CUDA_VISIBLE_DEVICES: '' }
      : { PW_GPUS: String(lease.gpus.length), CUDA_VISIBLE_DEVICES: lease.gpus.join(',') };
    const attempts = jd.retries + 1;
    const started = performance.now();
    try {
      for (let attempt = 1; ; attempt++) {
        ctx.emit({ type: 'step-started', step, attempt });
        try {
          const record = await runJob({
            store: ctx.store,
            job: task.Parameters[JOB_PARAMETER],
            env: gpuEnv,
            secrets: secretsOf(ctx.opts.pipeline.steps[step]?.secrets),
            signal: ctx.stop.signal,
            timeoutSeconds: jd.timeoutSeconds,
            onOutput: ctx.opts.verbose
              ? (stream: 'stdout' | 'stderr', chunk: Buffer | string) =>
                  ctx.emit({ type: 'step-output', step, stream, text: chunk.toString() })
              : undefined,
          });
          const metrics = lastMetrics(record);
          ctx.finish(step, {
            status: 'ran',
            cacheKey: record.key,
            durationMs: record.durationMs,
            outputs: record.outputs,
            ...(metrics ? { metrics } : {}),
          });
          return { JobName: step, Status: 'SUCCEEDED' };
        } catch (err) {
          if (ctx.stop.signal.aborted) {
            const why = ctx.cancel.aborted
              ? 'stopped: the run was cancelled'
              : 'stopped: another step failed, which ends the run (as a failing Parallel branch does)';
            ctx.finish(step, { status: 'skipped', ...(key ? { cacheKey: key } : {}), error: why });
            throw new TaskFailedError(`Step '${step}' was stopped`);
          }
          if (attempt < attempts) {
            ctx.emit({ type: 'step-retrying', step, attempt, error: errorMessage(err) });
            continue;
          }
          ctx.finish(step, {
            status: 'failed',
            ...(key ? { cacheKey: key } : {}),
            durationMs: Math.round(performance.now() - started),
            error: errorMessage(err),
          });
          throw new TaskFailedError(errorMessage(err));
        }
      }
    } finally {
      lease.release();
      await lock?.release();
    }
  };
}

  /** The gather task of a foreach step: the shared handler builds its outputs and decides against `tolerate`. */
function gatherTask(ctx: TaskContext, step: string) {
  return async (input: unknown): Promise<unknown> => {
    let error: unknown;
    try {
      await ctx.lookup(input as LookupRequest);
    } catch (err) {
      error = err;
    }
    const doc = await ctx.store.getJson<StepRunDocument>(runKey(ctx.runId, step)).catch(() => undefined);
    const key = ctx.keys.get(step);
    if (error !== undefined || !doc) {
      ctx.finish(step, {
        status: 'failed',
        ...(key ? { cacheKey: key } : {}),
        ...(doc?.durationMs !== undefined ? { durationMs: doc.durationMs } : {}),
        error: error !== undefined ? errorMessage(error) : `Step '${step}': the gather wrote no result`,
        ...(doc?.items ? { items: doc.items } : {}),
        ...(doc?.failedItems ? { failedItems: doc.failedItems } : {}),
      });
      throw error instanceof Error ? error : new TaskFailedError(`Step '${step}' failed`);
    }
    const metrics = lastMetrics({ metrics: doc.metrics } as StepRecord);
    ctx.finish(step, {
      status: doc.status === 'reused' ? 'reused' : 'ran',
      cacheKey: doc.cacheKey,
      durationMs: doc.durationMs,
      outputs: doc.outputs,
      ...(metrics ? { metrics } : {}),
      ...(doc.savedMs !== undefined ? { savedMs: doc.savedMs } : {}),
      ...(doc.items ? { items: doc.items } : {}),
      ...(doc.failedItems ? { failedItems: doc.failedItems } : {}),
    });
    return {};
  };
}

  /**
   * The Batch task(s) of a foreach step: each array child runs its jobs (one, or with maxConcurrency several,
   * as the plan deals them) as local subprocesses under the resource ctx.pool, all children at once as in
   * Batch; every child runs even when another fails.
   */
function foreachJobsTask(ctx: TaskContext, step: string) {
  return async (input: unknown): Promise<unknown> => {
    const task = input as BatchTaskInput & { readonly ArrayProperties?: { readonly Size: number } };
    const jd = ctx.jobDefs.get(task.JobDefinition);
    if (!jd) throw new TaskFailedError(`Step '${step}': unknown job definition ${task.JobDefinition}`);
    const size = task.ArrayProperties?.Size;
    const children = size ?? 1;
    ctx.emit({ type: 'step-queued', step });
    ctx.emit({ type: 'step-started', step, attempt: 1 });
    let failed = 0;
    const runChild = async (index: number): Promise<void> => {
      // The plan's array child: with maxConcurrency, jobs index, index + M, … one after another.
      const groups = await jobGroupsOf(ctx.store, task.Parameters.job, size === undefined ? undefined : index);
      const jobs = groups.flat();
      let lease;
      try {
        lease = await ctx.pool.acquire(ctx.demands.get(step) ?? jd, ctx.stop.signal);
      } catch {
        failed += jobs.length;
        return;
      }
      try {
        const env: Record<string, string> = ctx.gpuless
          ? { PW_GPUS: '0', CUDA_VISIBLE_DEVICES: '' }
          : { PW_GPUS: String(lease.gpus.length), CUDA_VISIBLE_DEVICES: lease.gpus.join(',') };
        if (size !== undefined) env[ARRAY_INDEX_ENV] = String(index);
        const onOutput = ctx.opts.verbose
          ? (stream: 'stdout' | 'stderr', chunk: Buffer | string) => ctx.emit({ type: 'step-output', step, stream, text: chunk.toString() })
          : undefined;
        // Each item gets the step's secrets, as a plain step does.
        const secrets = secretsOf(ctx.opts.pipeline.steps[step]?.secrets);
        const itemFinished = (item: JobItem | undefined, error?: string): void =>
          ctx.emit({ type: 'item-finished', step, index: item?.index ?? 0, item: item?.name ?? '', ...(error === undefined ? { status: 'ran' } : { status: 'failed', error }) });
        // Several items: staged once per job and run as one chain, as in the Batch container; failed items are retried one by one.
        let retry: { job: Hash; error?: string }[] = jobs.map((job) => ({ job }));
        if (jobs.length > 1) {
          try {
            const outcomes = await runBatch({ store: ctx.store, groups, env, secrets, signal: ctx.stop.signal, timeoutSeconds: jd.timeoutSeconds, onOutput });
            for (const o of outcomes) if (o.error === undefined) itemFinished(o.spec.item);
            retry = outcomes.flatMap((o) => (o.error === undefined ? [] : [{ job: o.job, error: o.error }]));
          } catch (err) {
            // The chain could not be staged (e.g. a damaged blob): each item is then tried, and reported, on its own.
            retry = jobs.map((job) => ({ job, error: errorMessage(err) }));
          }
        }
        for (const { job, error } of retry) {
          for (let attempt = error === undefined ? 1 : 2; ; attempt++) {
            try {
              if (error !== undefined && (attempt > jd.retries + 1 || ctx.stop.signal.aborted)) throw new RunFailedError(error);
              const record = await runJob({ store: ctx.store, job, env, secrets, signal: ctx.stop.signal, timeoutSeconds: jd.timeoutSeconds, onOutput });
              itemFinished(record.keyDocument.item ? await itemOf(ctx.store, job) : undefined);
              break;
            } catch (err) {
              if (!ctx.stop.signal.aborted && attempt < jd.retries + 1) continue;
              failed++;
              const item = await itemOf(ctx.store, job).catch(() => undefined);
              itemFinished(item, errorMessage(err));
              break;
            }
          }
        }
      } finally {
        lease.release();
      }
    };
    // Every array child at once, as in Batch: the plan's array size is already the step's maxConcurrency.
    if (!ctx.stop.signal.aborted) await Promise.all(Array.from({ length: children }, (_, index) => runChild(index)));
    if (ctx.stop.signal.aborted) throw new TaskFailedError(`Step '${step}' was stopped`);
    if (failed > 0) throw new TaskFailedError(`Step '${step}': ${failed} item(s) failed`);
    return { JobName: step, Status: 'SUCCEEDED' };
  };

}

/** The item a job spec runs on. */
async function itemOf(store: RunScopedStore, job: Hash) {
  return (await loadJobSpec(store, job)).item;
}

/** The local handler of every Task state of the compiled definition but `Stopped run`, keyed by state name. */
function taskHandlers(
  ctx: TaskContext,
  compiled: CompiledPipeline,
  track: <T>(p: Promise<T>) => Promise<T>,
): Record<string, (input: unknown) => Promise<unknown>> {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const step of Object.keys(ctx.opts.pipeline.steps)) {
    const l = lookupTask(ctx, step);
    const b = batchTask(ctx, step);
    handlers[compiled.stateNames.lookup[step]] = (i) => track(l(i));
    if (ctx.opts.pipeline.steps[step].foreach) {
      const jobs = foreachJobsTask(ctx, step);
      const gather = gatherTask(ctx, step);
      handlers[compiled.stateNames.run[step]] = (i) => track(jobs(i));
      handlers[compiled.stateNames.array[step]] = (i) => track(jobs(i));
      handlers[compiled.stateNames.gather[step]] = (i) => track(gather(i));
    } else {
      handlers[compiled.stateNames.run[step]] = (i) => track(b(i));
    }
  }
  return handlers;
}

async function execute(runId: string, opts: RunOptions, cancel: AbortSignal): Promise<RunDocument> {
  const ir = opts.pipeline;
  const store = new RunScopedStore(opts.store);
  const emit = (e: EngineEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A broken progress listener must not break the run.
    }
  };
  const startedAt = new Date();
  const t0 = performance.now();
  const parameters = opts.parameters ?? resolveParameters(ir, {});
  const { pool, demands, gpuless } = await planResources(opts);
  // Staging folders of runs killed mid-step (SIGKILL leaves them behind) go at the next start.
  await removeStaleStaging().catch(() => undefined);
  const { hash: manifestHash } = await buildManifest(ir, store);
  const compiled = compile(ir);

  const { values, jobDefs, definition } = localDefinition(compiled, manifestHash);

  const results = new Map<string, FinishedStepResult>();
  const keys = new Map<string, Hash>();
  const finals = Object.values(ir.steps).filter((s) => s.final).map((s) => s.name).sort();
  const finish = (step: string, outcome: FinishedStepResult): void => {
    const result = ir.steps[step]?.final ? { ...outcome, final: true } : outcome;
    results.set(step, result);
    emit({ type: 'step-finished', step, result });
  };

  const afterList = Object.entries(ir.steps).filter(([, st]) => st.after.length > 0);
  const afterEdges = afterList.length ? Object.fromEntries(afterList.map(([n, st]) => [n, st.after])) : undefined;
  const makeDoc = (status: RunStatus, durationMs: number, steps: Record<string, FinishedStepResult>, error?: string): RunDocument => ({
    runId,
    pipeline: ir.name,
    status,
    parameters,
    startedAt: startedAt.toISOString(),
    durationMs,
    steps,
    store: store.location,
    manifest: manifestHash,
    ...(error !== undefined ? { error } : {}),
    ...(opts.trigger !== undefined ? { trigger: opts.trigger } : {}),
    ...(afterEdges ? { after: afterEdges } : {}),
  });
  // Written while the first lookups run; awaited before the final document replaces it.
  const runningWritten = store.putJson(runDocumentKey(runId), { ...makeDoc('running', 0, {}), owner: { host: hostname(), pid: process.pid } });
  runningWritten.catch(() => undefined);
  emit({ type: 'run-started', runId, pipeline: ir.name, steps: Object.keys(ir.steps) });

  // Aborted when the execution ends (a failure stopped it) or the run is cancelled: kills running steps.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per waiting or running step
  const onCancel = (): void => stop.abort();
  cancel.addEventListener('abort', onCancel, { once: true });
  if (cancel.aborted) stop.abort();
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    );
    return p;
  };

  const lookup = createLookupHandler({
    store,
    onWarning: (message) => emit({ type: 'warning', message }),
    // uri: inputs are read with the default AWS credentials (or PIPEWRIGHT_S3_ENDPOINT) and stored by content.
    resolveUri: createS3UriResolver(store),
  });

  const ctx: TaskContext = { opts, store, emit, finish, lookup, keys, pool, demands, gpuless, jobDefs, stop, cancel, runId };
  // A local run is never a finally-only execution (those start below, after a cancel).
  const handlers = { ...taskHandlers(ctx, compiled, track), [STOPPED_RUN_STATE]: () => Promise.reject(new TaskFailedError('not a finally-only execution')) };
  const missing = taskStateNames(definition as unknown as { States: Record<string, unknown> }).filter(
    (n) => !(n in handlers),
  );
  if (missing.length) {
    // A Task without an override would call real AWS.
    throw new RunFailedError(`The compiled state machine has Task states the local engine cannot run: ${missing.join(', ')}.`);
  }

  const input = executionInput(parameters, opts.noCache ?? false);
  const { Manifest: _manifest, ...otherValues } = values;
  // The compiler's tests prove its output valid (test/compiler); PIPEWRIGHT_VALIDATE_ASL=1 checks each new one.
  const { stateMachine: sm, validation } = await prepareStateMachine(
    definition,
    store,
    { template: compiled.definition, values: otherValues },
    { validate: process.env.PIPEWRIGHT_VALIDATE_ASL === '1' },
  );
  const execution = sm.run(input as never, {
    context: { Execution: { Id: executionArn(ir.name, runId), Name: runId } },
    overrides: { taskResourceLocalHandlers: handlers as never },
  });
  const abortExecution = (): void => execution.abort();
  cancel.addEventListener('abort', abortExecution, { once: true });
  if (cancel.aborted) abortExecution();
  // Validation runs beside the execution; an invalid definition stops the run.
  let invalidDefinition: string | undefined;
  validation.catch((err: unknown) => {
    invalidDefinition = errorMessage(err);
    stop.abort();
    execution.abort();
  });

  let executionError: string | undefined;
  try {
    await execution.result;
  } catch (err) {
    executionError = errorMessage(err);
  }
  cancel.removeEventListener('abort', abortExecution);
  // Steps still running were stopped by the failure (Parallel semantics) or by cancel: kill and wait.
  stop.abort();
  while (inFlight.size) await Promise.allSettled([...inFlight]);
  await validation.catch(() => undefined);
  cancel.removeEventListener('abort', onCancel);
  // A cancelled execution never reaches its finally-states: as in AWS, where an EventBridge rule starts a
  // finally-only execution for a stopped one, a second execution of the same state machine runs them.
  if (cancel.aborted && invalidDefinition === undefined && finals.length > 0) {
    const finallyStop = new AbortController();
    setMaxListeners(0, finallyStop.signal);
    const finallyCtx: TaskContext = { ...ctx, stop: finallyStop, cancel: new AbortController().signal };
    const stopped: StoppedRunDescription = { Input: JSON.stringify(input), Status: 'ABORTED' };
    const finallyHandlers = { ...taskHandlers(finallyCtx, compiled, track), [STOPPED_RUN_STATE]: () => Promise.resolve(stopped) };
    const finallyOnly = sm.run(stoppedRunInput(executionArn(ir.name, runId)) as never, {
      context: { Execution: { Id: executionArn(ir.name, `${runId}-finally`), Name: `${runId}-finally` } },
      overrides: { taskResourceLocalHandlers: finallyHandlers as never },
    });
    await finallyOnly.result.catch((err: unknown) => emit({ type: 'warning', message: `the finally-steps did not finish: ${errorMessage(err)}` }));
    finallyStop.abort();
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  }

  const steps: Record<string, FinishedStepResult> = {};
  for (const name of Object.keys(ir.steps)) steps[name] = results.get(name) ?? { status: 'skipped' };
  // A finally-step's failure is reported on its own: it never changes the run's status.
  const anyFailed = Object.values(steps).some((s) => s.status === 'failed' && !s.final);
  const status: RunStatus =
    invalidDefinition !== undefined
      ? 'failed'
      : cancel.aborted
        ? 'cancelled'
        : executionError !== undefined || anyFailed
          ? 'failed'
          : 'succeeded';
  for (const [name, s] of Object.entries(steps)) {
    if (!results.has(name)) emit({ type: 'step-finished', step: name, result: s });
  }
  const error =
    invalidDefinition ??
    (status === 'cancelled' ? 'cancelled' : status === 'failed' && !anyFailed ? executionError : undefined);
  const doc = makeDoc(status, Math.round(performance.now() - t0), steps, error);
  await runningWritten;
  await store.putJson(runDocumentKey(runId), doc);
  emit({ type: 'run-finished', document: doc });
  return doc;
}

/**
 * The API's cloud implementation: runs are Step Functions executions of published pipelines, their steps
 * AWS Batch jobs, their per-step results documents in the S3 store.
 */
import { BatchClient, DescribeJobsCommand, ListJobsCommand, TerminateJobCommand, type JobSummary } from '@aws-sdk/client-batch';
import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import type { ParameterIR } from '../ir';
import {
  CONTEXT_KEYS,
  executionInput,
  loadJobSpec,
  loadManifest,
  parametersOfInput,
  runIdOf,
  stoppedRunFinallyKey,
  stoppedRunOfInput,
  type PipelineManifest,
  type RegistryEntry,
  type RunStatus,
  type StoppedRunFinally,
} from '../protocol';
import type { ArtifactStore, Hash } from '../store';
import { explainBatchFailure } from './batch-failure';
import { idempotentRunId } from './idempotency';
import type { PipelineRegistry } from './registry';
import { buildRunView, readStepDocuments } from './run-view';
import type {
  ApiDeps,
  ApiPipelineVersion,
  ApiRunView,
  CancelOutcome,
  PipelineSummary,
  PipelineTarget,
  StartRunOutcome,
  StartRunRequest,
} from './types';

/** Options of `createCloudDeps`. */
export interface CloudDepsOptions {
  readonly sfn: SFNClient;
  readonly batch: BatchClient;
  /** The artifact store (the platform's bucket). */
  readonly store: ArtifactStore;
  readonly registry: PipelineRegistry;
  /** Names or ARNs of the job queues a run's jobs may be on (searched when cancelling). */
  readonly jobQueues: readonly string[];
  /** How long the queues let a job wait for capacity (named when a run failed for that). @default - unnamed */
  readonly capacityWaitMinutes?: number;
}

/** Batch job states in which a job can still be terminated. */
const ACTIVE_JOB = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']);

/** The API status of a Step Functions execution status. */
export function runStatusOf(sfnStatus: string | undefined): RunStatus {
  switch (sfnStatus) {
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'ABORTED':
      return 'cancelled';
    default:
      return 'failed'; // FAILED, TIMED_OUT, PENDING_REDRIVE
  }
}

/** The execution ARN of run `runId` of a state machine (executions are named by run id). */
export function executionArnOf(stateMachineArn: string, runId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
}

/** The version number at the end of a state machine version ARN (`…:stateMachine:name:3` → 3). */
export function versionOf(arn: string | undefined): number | undefined {
  const m = arn ? /:stateMachine:[^:]+:(\d+)$/.exec(arn) : null;
  return m ? Number(m[1]) : undefined;
}

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

/** The manifest hash the `Start` state of a compiled definition carries (`"m": "sha256:…"`). */
export function manifestHashOfDefinition(definition: string | undefined): Hash | undefined {
  if (!definition) return undefined;
  try {
    const start = (JSON.parse(definition) as { States?: { Start?: { Parameters?: Record<string, unknown> } } }).States?.Start;
    const m = start?.Parameters?.[CONTEXT_KEYS.manifest];
    return typeof m === 'string' && m.startsWith('sha256:') ? (m as Hash) : undefined;
  } catch {
    return undefined;
  }
}

/** What a version's manifest says about its parameters and steps. */
interface VersionDefinition {
  readonly parameters: Readonly<Record<string, ParameterIR>>;
  readonly steps: string[];
}

/** The cloud `ApiDeps`: runs are Step Functions executions, their steps Batch jobs, their results in the S3 store. */
/** A failure cause followed by the Batch reason in plain words, when there is one. */
async function withBatchReason(cause: string | undefined, reason: Promise<string | undefined>): Promise<string | undefined> {
  const plain = await reason.catch(() => undefined);
  return plain ? `${cause ?? 'failed'}: ${plain}` : cause;
}

class CloudDeps implements ApiDeps {
  private readonly sfn: SFNClient;
  private readonly batch: BatchClient;
  private readonly store: ArtifactStore;
  private readonly registry: PipelineRegistry;
  private readonly jobQueues: readonly string[];
  private readonly capacityWaitMinutes?: number;
  // Versions are immutable, so what a version's manifest says can be kept for the life of the process.
  private readonly versionManifests = new Map<string, Promise<VersionDefinition | undefined>>();

  constructor(options: CloudDepsOptions) {
    ({ sfn: this.sfn, batch: this.batch, store: this.store, registry: this.registry, jobQueues: this.jobQueues } = options);
    this.capacityWaitMinutes = options.capacityWaitMinutes;
  }

  public async listPipelines(): Promise<PipelineSummary[]> {
    const entries = await this.registry.list();
    return Promise.all(
      entries.map(async (e) => {
        const [vs, live] = await Promise.all([this.versions(e), this.liveVersion(e)]);
        return {
          name: e.name,
          ...(e.description !== undefined ? { description: e.description } : {}),
          versions: vs,
          ...(live !== undefined ? { live } : {}),
          parameters: e.parameters,
          steps: e.steps,
        };
      }),
    );
  }


  public async getPipeline(name: string, version?: number): Promise<PipelineTarget | 'no-pipeline' | 'no-version'> {
    const entry = await this.registry.get(name);
    if (!entry) return 'no-pipeline';
    if (version === undefined) return { name, parameters: entry.parameters };
    const def = await this.versionDefinition(`${entry.stateMachineArn}:${version}`);
    if (def === null) return 'no-version';
    // A version whose manifest cannot be read is checked against the live declarations.
    return { name, version, parameters: def?.parameters ?? entry.parameters };
  }


  public async startRun(req: StartRunRequest): Promise<StartRunOutcome> {
    const entry = await this.registry.get(req.pipeline);
    if (!entry) throw new Error(`Pipeline '${req.pipeline}' is not in the this.registry.`);
    const runId = req.idempotencyKey !== undefined ? idempotentRunId(req.pipeline, req.idempotencyKey) : req.runId;
    if (req.idempotencyKey !== undefined && (await this.describe(entry, runId))) return { runId, existing: true };
    const input = executionInput(req.parameters);
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: req.version !== undefined ? `${entry.stateMachineArn}:${req.version}` : entry.aliasArn,
          name: runId,
          input: JSON.stringify(input),
        }),
      );
    } catch (err) {
      // Two requests with one key raced: the other one started it.
      if (errorName(err) === 'ExecutionAlreadyExists' && req.idempotencyKey !== undefined) return { runId, existing: true };
      throw err;
    }
    return { runId, existing: false };
  }


  public async getRun(pipeline: string, runId: string): Promise<ApiRunView | undefined> {
    const entry = await this.registry.get(pipeline);
    if (!entry) return undefined;
    const exec = await this.describe(entry, runId);
    if (!exec) return undefined;
    const steps = await this.stepsOf(entry, exec);
    // Input of an execution not started by Pipewright shows no parameters.
    const parameters = parametersOfInput(exec.input);
    const stopped = stoppedRunOfInput(exec.input);
    return buildRunView({
      runId,
      pipeline,
      status: runStatusOf(exec.status),
      parameters,
      startedAt: exec.startDate ? new Date(exec.startDate) : new Date(),
      finishedAt: exec.stopDate ? new Date(exec.stopDate) : undefined,
      steps,
      documents: await readStepDocuments(this.store, runId, steps),
      cause: await withBatchReason(exec.cause ?? exec.error, this.batchFailure(exec)),
      version: versionOf(exec.stateMachineVersionArn),
      ...(stopped !== undefined ? { finallyOf: runIdOf(stopped) } : {}),
      ...(await this.finallyExecutionOf(exec, runId)),
    });
  }

  /** The finally-only execution that ran a stopped execution's finally-steps, once its lookup named it. */
  private async finallyExecutionOf(exec: DescribeExecutionCommandOutput, runId: string): Promise<{ finallyExecution?: string }> {
    if (exec.status !== 'ABORTED' && exec.status !== 'TIMED_OUT') return {};
    const doc = await this.store.getJson<StoppedRunFinally>(stoppedRunFinallyKey(runId)).catch(() => undefined);
    return typeof doc?.execution === 'string' ? { finallyExecution: runIdOf(doc.execution) } : {};
  }


  public async cancelRun(pipeline: string, runId: string): Promise<CancelOutcome> {
    const entry = await this.registry.get(pipeline);
    if (!entry) return { kind: 'not-found' };
    const exec = await this.describe(entry, runId);
    if (!exec) return { kind: 'not-found' };
    if (exec.status !== 'RUNNING') return { kind: 'finished', status: runStatusOf(exec.status) };
    await this.sfn.send(
      new StopExecutionCommand({
        executionArn: exec.executionArn ?? executionArnOf(entry.stateMachineArn, runId),
        error: 'Pipewright.Cancelled',
        cause: 'Cancelled through the Pipewright trigger API',
      }),
    );
    const terminatedJobs = await this.terminateJobs(runId, exec.startDate ? new Date(exec.startDate) : new Date(0), await this.stepsOf(entry, exec));
    return { kind: 'cancelled', terminatedJobs };
  }

  private async manifest(hash: Hash): Promise<PipelineManifest | undefined> {
    try {
      return await loadManifest(this.store, hash);
    } catch {
      return undefined;
    }
  }

  /** Parameters and steps of one version; `null` when the version does not exist. */
  private versionDefinition(versionArn: string): Promise<VersionDefinition | undefined | null> {
    const cached = this.versionManifests.get(versionArn);
    if (cached) return cached;
    const p = (async () => {
      try {
        const sm = await this.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: versionArn }));
        const hash = manifestHashOfDefinition(sm.definition);
        const m = hash ? await this.manifest(hash) : undefined;
        return m ? { parameters: m.parameters, steps: Object.keys(m.steps) } : undefined;
      } catch (err) {
        if (errorName(err) === 'StateMachineDoesNotExist') return null;
        throw err;
      }
    })();
    this.versionManifests.set(versionArn, p as Promise<VersionDefinition | undefined>);
    p.catch(() => this.versionManifests.delete(versionArn));
    return p;
  }

  private async versions(entry: RegistryEntry): Promise<ApiPipelineVersion[]> {
    const out: ApiPipelineVersion[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: entry.stateMachineArn, nextToken }));
      for (const v of page.stateMachineVersions ?? []) {
        const n = versionOf(v.stateMachineVersionArn);
        if (n !== undefined) out.push({ version: n, ...(v.creationDate ? { createdAt: new Date(v.creationDate).toISOString() } : {}) });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return out.sort((a, b) => a.version - b.version);
  }

  private async liveVersion(entry: RegistryEntry): Promise<number | undefined> {
    try {
      const alias = await this.sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: entry.aliasArn }));
      const routes = [...(alias.routingConfiguration ?? [])].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
      return versionOf(routes[0]?.stateMachineVersionArn);
    } catch (err) {
      if (errorName(err) === 'ResourceNotFound') return undefined;
      throw err;
    }
  }

  /**
   * The plain-words reason of the Batch job whose failure failed the execution (the latest failed `batch`
   * task in its history), if Batch gave one.
   */
  private async batchFailure(exec: DescribeExecutionCommandOutput): Promise<string | undefined> {
    if (exec.status !== 'FAILED' || !exec.executionArn) return undefined;
    const { events = [] } = await this.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: exec.executionArn, reverseOrder: true, maxResults: 100 }),
    );
    const failed = events.find((e) => e.type === 'TaskFailed' && e.taskFailedEventDetails?.resourceType === 'batch');
    return explainBatchFailure(failed?.taskFailedEventDetails?.cause, this.capacityWaitMinutes);
  }

  private async describe(entry: RegistryEntry, runId: string): Promise<DescribeExecutionCommandOutput | undefined> {
    try {
      return await this.sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(entry.stateMachineArn, runId) }));
    } catch (err) {
      if (errorName(err) === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  }

  private async stepsOf(entry: RegistryEntry, exec: DescribeExecutionCommandOutput): Promise<readonly string[]> {
    if (exec.stateMachineVersionArn && versionOf(exec.stateMachineVersionArn) !== undefined) {
      const def = await this.versionDefinition(exec.stateMachineVersionArn);
      if (def) return def.steps;
    }
    return entry.steps;
  }

  private async jobSpecRunId(hash: unknown): Promise<string | undefined> {
    if (typeof hash !== 'string' || !hash.startsWith('sha256:')) return undefined;
    try {
      return (await loadJobSpec(this.store, hash as Hash)).runId;
    } catch {
      return undefined;
    }
  }

  /**
   * Terminates the Batch jobs of a run: jobs created since the execution started, in the platform's queues,
   * named like one of its steps and still active; each is confirmed by reading the JobSpec its `job`
   * parameter names, whose `runId` must be this run (so another run's job of the same step is never touched).
   */
  private async terminateJobs(runId: string, since: Date, steps: readonly string[]): Promise<string[]> {
    const names = new Set(steps);
    const candidates: JobSummary[] = [];
    for (const jobQueue of this.jobQueues) {
      let nextToken: string | undefined;
      do {
        const page = await this.batch.send(
          new ListJobsCommand({
            jobQueue,
            filters: [{ name: 'AFTER_CREATED_AT', values: [String(since.getTime() - 60_000)] }],
            nextToken,
          }),
        );
        for (const j of page.jobSummaryList ?? []) {
          if (j.jobId && ACTIVE_JOB.has(j.status ?? '') && names.has(j.jobName ?? '')) candidates.push(j);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    const terminated: string[] = [];
    for (let i = 0; i < candidates.length; i += 100) {
      const ids = candidates.slice(i, i + 100).map((j) => j.jobId!);
      const { jobs = [] } = await this.batch.send(new DescribeJobsCommand({ jobs: ids }));
      for (const job of jobs) {
        if ((await this.jobSpecRunId(job.parameters?.job)) !== runId) continue;
        await this.batch.send(new TerminateJobCommand({ jobId: job.jobId!, reason: `Pipewright run ${runId} was cancelled through the trigger API` }));
        terminated.push(job.jobId!);
      }
    }
    return terminated;
  }
}

/** Creates the cloud `ApiDeps` over injected Step Functions, Batch and store clients. */
export function createCloudDeps(options: CloudDepsOptions): ApiDeps {
  return new CloudDeps(options);
}

/**
 * Types of the trigger API: the transport-neutral request/response, the run view it returns, and the
 * `ApiDeps` interface its two implementations (cloud: Step Functions + Batch; local: the engine) fulfil.
 */
import type { ParameterIR, ParameterValue } from '../ir';
import type { RunStatus, StepResult } from '../protocol';
import type { ResolvedParameters } from '../spec';
import type { RunHistory } from './history/history';

/** One HTTP request, as API Gateway's proxy event or `node:http` delivers it. */
export interface ApiRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The resource path without stage or query string, e.g. `/pipelines/iris/runs`. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body. @default - none */
  readonly body?: string;
  /** Query string parameters. @default - none */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Scheme, host and stage prefix used to build absolute `statusUrl`s. @default - `statusUrl` is a path */
  readonly baseUrl?: string;
}

/** One HTTP response; `body` is always JSON. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What `GET /pipelines/{name}/runs/{runId}` returns: the run document shape of `pipewright show --json`. */
export interface ApiRunView {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  /** ISO 8601. */
  readonly startedAt: string;
  /** @default - none while running */
  readonly finishedAt?: string;
  /** Wall time so far (running) or in total. */
  readonly durationMs: number;
  readonly steps: Readonly<Record<string, StepResult>>;
  /** State machine version that ran (cloud). @default - none */
  readonly version?: number;
  /** Why the run failed when no single step explains it. @default - none */
  readonly error?: string;
  /**
   * A stopped cloud run (cancelled or timed out) runs none of its own states: the name of the finally-only
   * execution that ran its finally-steps instead (their results are among `steps`). @default - none
   */
  readonly finallyExecution?: string;
  /** This execution is the finally-only execution of that stopped run (it runs no other step). @default - none */
  readonly finallyOf?: string;
}

/** A published version of a pipeline (cloud: a state machine version). */
export interface ApiPipelineVersion {
  readonly version: number;
  /** @default - none */
  readonly createdAt?: string;
  /** @default - none */
  readonly description?: string;
}

/** A pipeline as the API lists it (parameters as declarations; the handler turns them into JSON Schema). */
export interface PipelineSummary {
  readonly name: string;
  /** @default - none */
  readonly description?: string;
  /** Published versions, oldest first (empty for `pipewright serve`, which runs the files as they are). */
  readonly versions: readonly ApiPipelineVersion[];
  /** The version the `live` alias points at. @default - none */
  readonly live?: number;
  readonly parameters: Readonly<Record<string, ParameterIR>>;
  /** Step names. */
  readonly steps: readonly string[];
}

/** What a run is started against: one pipeline, at one version. */
export interface PipelineTarget {
  readonly name: string;
  /** @default - the live definition */
  readonly version?: number;
  readonly parameters: Readonly<Record<string, ParameterIR>>;
}

/** A request to start a run, already validated by the handler. */
export interface StartRunRequest {
  readonly pipeline: string;
  /** @default - the live definition */
  readonly version?: number;
  /** Every declared parameter, typed, defaults filled (resolved once, by the handler). */
  readonly parameters: ResolvedParameters;
  /** The run id to use (derived from the idempotency key when one is given). */
  readonly runId: string;
  /** The idempotency key. @default - none */
  readonly idempotencyKey?: string;
  /** What started it, kept in the local run document (`api`, `schedule:<name>`). @default 'api' */
  readonly trigger?: string;
}

/** What starting a run did. */
export interface StartRunOutcome {
  readonly runId: string;
  /** true = the idempotency key named a run that already existed; nothing new was started. */
  readonly existing: boolean;
}

/** What a cancellation did. */
export type CancelOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'finished'; readonly status: RunStatus }
  | { readonly kind: 'cancelling' | 'cancelled'; readonly terminatedJobs?: readonly string[] };

/**
 * Everything the handler needs from the outside world.
 *
 * Two implementations: `createCloudDeps` (Step Functions, Batch, S3 store) and `createLocalDeps` (the local
 * engine and a filesystem store, for `pipewright serve`).
 */
export interface ApiDeps {
  /** Every pipeline that can be triggered. */
  listPipelines(): Promise<PipelineSummary[]>;
  /** The pipeline (at `version`, or live), or which of the two does not exist. */
  getPipeline(name: string, version?: number): Promise<PipelineTarget | 'no-pipeline' | 'no-version'>;
  /** Starts a run, or finds the run an idempotency key already started. */
  startRun(req: StartRunRequest): Promise<StartRunOutcome>;
  /** The run's current view; `undefined` when there is no such run of that pipeline. */
  getRun(pipeline: string, runId: string): Promise<ApiRunView | undefined>;
  /** Stops a run and everything it is executing. */
  cancelRun(pipeline: string, runId: string): Promise<CancelOutcome>;
  /** The read side (run pages, run detail, steps, logs, explain, lineage). @default - those routes answer 404 */
  readonly history?: RunHistory;
}

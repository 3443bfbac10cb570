/**
 * The run protocol: the contract the compiler writes, the lookup handler and the runner follow, and the
 * engine, the Lambdas, the API and the CLI read.
 *
 * ```ts
 * import { executionInput, loadManifest, readStepRecord, runKey } from '../protocol';
 * sfn.startExecution({ input: JSON.stringify(executionInput({ epochs: 300 })) });
 * const manifest = await loadManifest(store, hash);          // checked, every problem named
 * const record = await readStepRecord(store, key);           // undefined unless whole
 * const step = await store.getJson<StepRunDocument>(runKey(runId, 'train'));
 * ```
 *
 * See docs/architecture.md ("The compiled state machine") for how the pieces meet.
 */
export { ASL_PATHS, CONTEXT_KEYS, JOB_PARAMETER, LOOKUP_KEYS, pathKey } from './asl-names';
export {
  decodeLookupRequest,
  executionInput,
  failedStepOf,
  lookupRequest,
  parametersOfInput,
  runIdOf,
  stepFailedCause,
  type ExecutionInput,
  type LookupCall,
  type LookupRequest,
  type LookupResult,
  type RunningContext,
  type SkipReason,
  type RunFailure,
  runStatusOf,
  CANCELLED_ERROR,
  TIMED_OUT_ERROR,
} from './execution';
export {
  stoppedRunInput,
  stoppedRunOfInput,
  STOPPED_RUN_ERRORS,
  STOPPED_STATUSES,
  type StoppedRunDescription,
  type StoppedRunFinally,
  type StoppedRunInput,
  type StoppedStatus,
} from './stopped-run';
export { decodeManifest, loadManifest, type ManifestInput, type ManifestStep, type PipelineManifest } from './manifest';
export type { RegistryEntry } from './registry-entry';
export { isRunId, newRunId } from './run-id';
export {
  arrayIndexFromEnv,
  BATCH_MIN_ATTEMPT_SECONDS,
  childJobIndexes,
  planAttemptSeconds,
  childrenOf,
  decodeJobSpec,
  jobGroupsOf,
  jobsOf,
  loadJobSpec,
  ARRAY_INDEX_ENV,
  type ForeachPlan,
  type JobItem,
  type JobSpec,
} from './job-spec';
export { cacheKey, type CacheKeyDocument } from './cache-key';
export { lastMetricValues, readStepRecord, writeStepRecord, type FailedItem, type Metric, type StepRecord } from './step-record';
export {
  stepResultOf,
  type FinishedStepResult,
  type FinishedStepStatus,
  type ItemCounts,
  type RunStatus,
  type StepResult,
  type StepRunDocument,
  type StepStatus,
} from './step-result';
export {
  idempotencyKey,
  recordKey,
  registryKey,
  runDocumentKey,
  runIdOfDocumentKey,
  runItemKey,
  reusedItemsKey,
  runKey,
  runStepsPrefix,
  stoppedRunFinallyKey,
  validatedDefinitionKey,
  RECORDS_PREFIX,
  REGISTRY_PREFIX,
  RUNS_PREFIX,
} from './store-keys';

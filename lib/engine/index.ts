/**
 * The local engine: runs a pipeline on this machine by executing its compiled state machine.
 *
 * ```ts
 * const handle = startRun({ pipeline: await loadPipeline('pipeline.yaml'), store: openStore('.pipewright') });
 * const doc = await handle.result; // doc.status, doc.steps.train.status ...
 * ```
 */
export { startRun } from './engine';
export type { EngineEvent, RunDocument, RunHandle, RunOptions } from './types';
export type { FinishedStepResult, FinishedStepStatus, RunStatus, StepResult, StepStatus } from '../protocol';
export { listRunIds, listRuns, loadRun, resolveRunId, settleAbandoned } from './runs';
export { ResourcePool, type Lease, type ResourceCapacity, type ResourceDemand } from './resources';
export { createProgressReporter, formatDuration, formatMetrics, formatSummary, skipWhy, type ProgressOptions, type ProgressReporter } from './progress';
export { explainStep, type StepExplanation } from './explain-step';
export { lockStep, type StepLock, type StepLockOptions } from './step-lock';

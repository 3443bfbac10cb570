/**
 * Turns a series-parallel tree into the states of docs/architecture.md: per step a lookup Task, a reuse
 * Choice and a Batch Task; `Parallel <n>` for groups; `Failed <b>` and `Done <b>` per branch as needed.
 */
import { ASL_PATHS, CONTEXT_KEYS, JOB_PARAMETER, LOOKUP_KEYS, pathKey } from '../protocol';
import type { Dag } from './dag';
import type { SpTree } from './decompose';
import { LOOKUP_PLACEHOLDER, MANIFEST_PLACEHOLDER } from './placeholders';
import type { AslBranch, AslDefinition, AslRetrier, AslState } from './types';

/** The Batch error that means throttling or a transient service problem. */
export const BATCH_THROTTLE_ERROR = 'Batch.AWSBatchException';
/**
 * The errors Step Functions raises for a Batch API call that failed transiently: Batch's own exception, a
 * server error and throttling (`Batch.<ExceptionName>`, as for every service integration).
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html (Errors: ServerException)
 */
export const BATCH_RETRY_ERRORS: readonly string[] = [BATCH_THROTTLE_ERROR, 'Batch.ServerException', 'Batch.TooManyRequestsException'];

/** The Fail state's error name. */
export const STEP_FAILED_ERROR = 'Pipewright.StepFailed';

/**
 * Transient Lambda service errors of the lookup task (5xx, network, throttling when 1,000 branches call
 * it at once); States Language defaults: 3 retries after 1, 2, 4 s. Errors the handler itself raises are
 * not retried, so the local engine, whose handlers raise plain errors, never retries a lookup.
 */
export const LOOKUP_RETRY_ERRORS: readonly string[] = ['Lambda.ServiceException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const LOOKUP_RETRY: readonly AslRetrier[] = [{ ErrorEquals: LOOKUP_RETRY_ERRORS }];
/**
 * Transient Batch errors: 6 retries, backoff 2.0 from 1 s (the defaults) capped at 60 s, with full jitter so
 * the branches of a wide fan-out that were throttled together do not retry together.
 */
const BATCH_RETRY: readonly AslRetrier[] = [{ ErrorEquals: BATCH_RETRY_ERRORS, MaxAttempts: 6, MaxDelaySeconds: 60, JitterStrategy: 'FULL' }];


/** Where a step's Batch job goes. */
export interface StepTarget {
  /** Placeholder name of the job queue, e.g. `QueueGpu`. */
  readonly queue: string;
  /** Placeholder name of the job definition, e.g. `JobDefinition0`. */
  readonly jobDefinition: string;
}

/** Emits the definition for a tree over `dag`; `target` gives each step's queue and job definition. */
export function emitDefinition(dag: Dag, tree: SpTree, target: (step: string) => StepTarget): AslDefinition {
  let parallels = 0;
  let branches = 0;

  /** Emits one branch's chain into `states`; returns the name of its first state. */
  const emitChain = (items: readonly SpTree[], states: Record<string, AslState>): string => {
    const branch = branches++;
    const failed = `Failed ${branch}`;
    const done = `Done ${branch}`;
    let usesFailed = false;
    let usesDone = false;
    const firsts = items.map((t) => (t.kind === 'step' ? dag.names[t.step] : `Parallel ${parallels++}`));
    items.forEach((item, i) => {
      const next = firsts[i + 1];
      const then = next !== undefined ? { Next: next } : { End: true as const };
      if (item.kind === 'step') {
        const s = dag.names[item.step];
        const { queue, jobDefinition } = target(s);
        usesFailed = true;
        if (next === undefined) usesDone = true;
        states[s] = {
          Type: 'Task',
          Resource: `\${${LOOKUP_PLACEHOLDER}}`,
          Parameters: { [LOOKUP_KEYS.step]: s, [pathKey(LOOKUP_KEYS.context)]: ASL_PATHS.context },
          ResultPath: ASL_PATHS.lookupResult,
          Retry: LOOKUP_RETRY,
          Next: `${s} reused?`,
        };
        states[`${s} reused?`] = {
          Type: 'Choice',
          Choices: [{ Variable: ASL_PATHS.lookupRun, BooleanEquals: true, Next: `${s} run` }],
          Default: next ?? done,
        };
        states[`${s} run`] = {
          Type: 'Task',
          Resource: 'arn:aws:states:::batch:submitJob.sync',
          Parameters: {
            JobName: s,
            JobQueue: `\${${queue}}`,
            JobDefinition: `\${${jobDefinition}}`,
            Parameters: { [pathKey(JOB_PARAMETER)]: ASL_PATHS.lookupJob },
          },
          ResultPath: null,
          Retry: BATCH_RETRY,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: ASL_PATHS.taskError, Next: failed }],
          ...then,
        };
      } else {
        const groups = item.kind === 'par' ? item.branches : [item];
        states[firsts[i]] = {
          Type: 'Parallel',
          Branches: groups.map(emitBranch),
          ResultPath: null,
          ...then,
        };
      }
    });
    if (usesFailed) states[failed] = { Type: 'Fail', Error: STEP_FAILED_ERROR, CausePath: ASL_PATHS.lookupFail };
    if (usesDone) states[done] = { Type: 'Succeed' };
    return firsts[0];
  };

  const emitBranch = (t: SpTree): AslBranch => {
    const states: Record<string, AslState> = {};
    const StartAt = emitChain(t.kind === 'seq' ? t.items : [t], states);
    return { StartAt, States: states };
  };

  const states: Record<string, AslState> = { Start: { Type: 'Succeed' } };
  const items = tree.kind === 'seq' ? tree.items : [tree];
  const start = {
    Type: 'Pass' as const,
    Parameters: {
      [pathKey(CONTEXT_KEYS.parameters)]: ASL_PATHS.parameters,
      [pathKey(CONTEXT_KEYS.noCache)]: ASL_PATHS.noCache,
      [CONTEXT_KEYS.manifest]: `\${${MANIFEST_PLACEHOLDER}}`,
      [pathKey(CONTEXT_KEYS.executionId)]: ASL_PATHS.executionId,
    },
  };
  if (items.length === 0) {
    states.Start = { ...start, End: true };
  } else {
    const first = emitChain(items, states);
    states.Start = { ...start, Next: first };
  }
  return { StartAt: 'Start', States: states };
}

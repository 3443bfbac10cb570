/**
 * Turns a series-parallel tree into the states of docs/architecture.md: per step a lookup Task, a reuse
 * Choice and a Batch Task; `Parallel <n>` for groups; `Failed <b>` and `Done <b>` per branch as needed.
 */
import { ASL_PATHS, CONTEXT_KEYS, JOB_PARAMETER, LOOKUP_KEYS, pathKey, STOPPED_RUN_ERRORS } from '../protocol';
import type { Dag } from './dag';
import type { SpTree } from './decompose';
import { LOOKUP_PLACEHOLDER, MANIFEST_PLACEHOLDER } from './placeholders';
import { MAX_TASK_TIMEOUT_SECONDS } from './task-timeout';
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
  /** Whether the step is a foreach (a job-count Choice, an array job and a gather task). @default false */
  readonly foreach?: boolean;
  /** The Choice rule of the step's condition (a `<s> when?` Choice after its lookup). @default - no condition */
  readonly when?: Readonly<Record<string, unknown>>;
  /** The Batch Task's `TimeoutSeconds` (see task-timeout.ts). */
  readonly timeoutSeconds: number;
}

/** The Batch task resource that waits for the job (or array job) to finish. */
const BATCH_SUBMIT_SYNC = 'arn:aws:states:::batch:submitJob.sync';

/**
 * The Batch `submitJob.sync` Task of step `s` (an array job sized by the plan when `array`), with the step's
 * `TimeoutSeconds` (without one the local interpreter stops a Task after 60 s) and the Batch retriers; any
 * failure goes to `catchTo`.
 */
function batchTask(
  s: string,
  target: StepTarget,
  opts: { readonly array?: boolean; readonly catchTo: string; readonly then: { Next: string } | { End: true } },
): AslState {
  return {
    Type: 'Task',
    Resource: BATCH_SUBMIT_SYNC,
    Parameters: {
      JobName: s,
      JobQueue: `\${${target.queue}}`,
      JobDefinition: `\${${target.jobDefinition}}`,
      ...(opts.array ? { ArrayProperties: { [pathKey('Size')]: ASL_PATHS.lookupJobs } } : {}),
      Parameters: { [pathKey(JOB_PARAMETER)]: ASL_PATHS.lookupJob },
    },
    ResultPath: null,
    // An array's children may wait for capacity behind one another, so the array gets the longest timeout.
    TimeoutSeconds: opts.array ? MAX_TASK_TIMEOUT_SECONDS : target.timeoutSeconds,
    Retry: BATCH_RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: ASL_PATHS.taskError, Next: opts.catchTo }],
    ...opts.then,
  };
}

/**
 * The states of a foreach step after its reuse Choice: how many jobs the plan made (a Batch array needs
 * 2 to 10,000 children, so one job is submitted plainly), the job(s), and the gather, which the jobs'
 * failure also reaches (it decides against `tolerate`).
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_ArrayProperties.html
 */
function foreachStates(
  s: string,
  target: StepTarget,
  failed: string,
  then: { Next: string } | { End: true },
): Record<string, AslState> {
  const gather = `${s} gather`;
  const job = (array: boolean): AslState => batchTask(s, target, { array, catchTo: gather, then: { Next: gather } });
  return {
    [`${s} jobs?`]: {
      Type: 'Choice',
      Choices: [
        { Variable: ASL_PATHS.lookupJobs, NumericGreaterThanEquals: 2, Next: `${s} array` },
        { Variable: ASL_PATHS.lookupJobs, NumericEquals: 1, Next: `${s} run` },
      ],
      Default: gather,
    },
    [`${s} array`]: job(true),
    [`${s} run`]: job(false),
    [gather]: {
      Type: 'Task',
      Resource: `\${${LOOKUP_PLACEHOLDER}}`,
      Parameters: { [LOOKUP_KEYS.step]: s, [LOOKUP_KEYS.gather]: true, [pathKey(LOOKUP_KEYS.context)]: ASL_PATHS.context },
      ResultPath: null,
      Retry: LOOKUP_RETRY,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: ASL_PATHS.taskError, Next: failed }],
      ...then,
    },
  };
}

/** Emits the definition for a tree over `dag`; `target` gives each step's queue and job definition. */
export function emitDefinition(
  dag: Dag,
  tree: SpTree,
  target: (step: string) => StepTarget,
  finals: readonly string[] = [],
): AslDefinition {
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
        const t = target(s);
        usesFailed = true;
        if (next === undefined) usesDone = true;
        states[s] = {
          Type: 'Task',
          Resource: `\${${LOOKUP_PLACEHOLDER}}`,
          Parameters: { [LOOKUP_KEYS.step]: s, [pathKey(LOOKUP_KEYS.context)]: ASL_PATHS.context },
          ResultPath: ASL_PATHS.lookupResult,
          Retry: LOOKUP_RETRY,
          Next: t.when ? `${s} when?` : `${s} reused?`,
        };
        if (t.when) {
          // False: the step is skipped (its lookup already recorded why), as is every step needing its outputs.
          states[`${s} when?`] = { Type: 'Choice', Choices: [{ ...t.when, Next: `${s} reused?` }], Default: next ?? done };
        }
        states[`${s} reused?`] = {
          Type: 'Choice',
          Choices: [{ Variable: ASL_PATHS.lookupRun, BooleanEquals: true, Next: t.foreach ? `${s} jobs?` : `${s} run` }],
          Default: next ?? done,
        };
        if (!t.foreach) states[`${s} run`] = batchTask(s, t, { catchTo: failed, then });
        else Object.assign(states, foreachStates(s, t, failed, then));
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
  if (finals.length > 0) {
    // The DAG runs as the one branch of `Main`, whose failure is caught so that the finally-steps run;
    // `Run failed` then re-raises it, so the run's status is the DAG's alone.
    const first = finallyStates(finals, target, states);
    const main: AslBranch = items.length === 0 ? { StartAt: 'Nothing', States: { Nothing: { Type: 'Succeed' } } } : emitBranch(tree);
    states.Main = {
      Type: 'Parallel',
      Branches: [main],
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: ASL_PATHS.runFailure, Next: first }],
      Next: first,
    };
    states.Start = { ...start, Next: 'Main' };
    // A finally-only execution (input `{"a": <stopped execution ARN>}`) goes straight to the finally-steps.
    Object.assign(states, stoppedRunStates(start.Parameters, first));
    return { StartAt: STOPPED_CHOICE, States: states };
  } else if (items.length === 0) {
    states.Start = { ...start, End: true };
  } else {
    const first = emitChain(items, states);
    states.Start = { ...start, Next: first };
  }
  return { StartAt: 'Start', States: states };
}

/**
 * The finally-steps, one after another (sorted by name): each a lookup and a Batch task whose failure is
 * caught and passed over, then `Finished?`, which fails the execution with the caught error if the DAG failed.
 * Returns the first state's name.
 */
function finallyStates(finals: readonly string[], target: (step: string) => StepTarget, states: Record<string, AslState>): string {
  const sorted = [...finals].sort();
  sorted.forEach((f, i) => {
    const next = sorted[i + 1] ?? 'Finished?';
    const passOver = [{ ErrorEquals: ['States.ALL'], ResultPath: ASL_PATHS.taskError, Next: next }];
    states[f] = {
      Type: 'Task',
      Resource: `\${${LOOKUP_PLACEHOLDER}}`,
      Parameters: { [LOOKUP_KEYS.step]: f, [pathKey(LOOKUP_KEYS.context)]: ASL_PATHS.context },
      ResultPath: ASL_PATHS.lookupResult,
      Retry: LOOKUP_RETRY,
      Catch: passOver,
      Next: `${f} run`,
    };
    states[`${f} run`] = batchTask(f, target(f), { catchTo: next, then: { Next: next } });
  });
  states['Finished?'] = {
    Type: 'Choice',
    Choices: [
      // A finally-only execution succeeds once its finally-steps ran: the stopped execution keeps the run's status.
      { Variable: ASL_PATHS.stoppedRun, IsPresent: true, Next: 'Run succeeded' },
      { Variable: ASL_PATHS.runFailure, IsPresent: true, Next: 'Run failed' },
    ],
    Default: 'Run succeeded',
  };
  states['Run failed'] = { Type: 'Fail', ErrorPath: ASL_PATHS.runFailureError, CausePath: ASL_PATHS.runFailureCause };
  states['Run succeeded'] = { Type: 'Succeed' };
  return sorted[0];
}

/** The first state of a definition with finally-steps: a finally-only execution or a run? */
export const STOPPED_CHOICE = 'Stopped?';
/** The Task that reads the stopped execution (DescribeExecution through the AWS SDK integration). */
export const STOPPED_RUN_STATE = 'Stopped run';
/** The AWS SDK integration of Step Functions' own DescribeExecution. */
export const DESCRIBE_EXECUTION_RESOURCE = 'arn:aws:states:::aws-sdk:sfn:describeExecution';

/**
 * The entry of a finally-only execution: read the stopped execution (its input and status), rebuild its
 * running context (its parameters, its execution id, so the finally-steps' lookups see its run and its
 * failed steps) with the error of its status at `$.f`, and go to the finally-steps. A stopped finally-only
 * execution, or an execution that is not stopped, ends here: nothing loops.
 */
function stoppedRunStates(start: Readonly<Record<string, unknown>>, firstFinal: string): Record<string, AslState> {
  const input = ASL_PATHS.stoppedRunInput;
  const context = (status: keyof typeof STOPPED_RUN_ERRORS): AslState => ({
    Type: 'Pass',
    Parameters: {
      ...start,
      [pathKey(CONTEXT_KEYS.parameters)]: `${input}.${CONTEXT_KEYS.parameters}`,
      [pathKey(CONTEXT_KEYS.noCache)]: `${input}.${CONTEXT_KEYS.noCache}`,
      [pathKey(CONTEXT_KEYS.executionId)]: ASL_PATHS.stoppedRun,
      [pathKey(CONTEXT_KEYS.stoppedRun)]: ASL_PATHS.stoppedRun,
      [pathKey(CONTEXT_KEYS.finallyExecution)]: ASL_PATHS.executionId,
      [CONTEXT_KEYS.runFailure]: STOPPED_RUN_ERRORS[status],
    },
    Next: firstFinal,
  });
  return {
    [STOPPED_CHOICE]: {
      Type: 'Choice',
      Choices: [{ Variable: ASL_PATHS.stoppedRun, IsPresent: true, Next: STOPPED_RUN_STATE }],
      Default: 'Start',
    },
    [STOPPED_RUN_STATE]: {
      Type: 'Task',
      Resource: DESCRIBE_EXECUTION_RESOURCE,
      Parameters: { [pathKey('ExecutionArn')]: ASL_PATHS.stoppedRun },
      // The SDK integration returns DescribeExecution's fields in PascalCase; Input is the input as a string.
      ResultSelector: { [pathKey('i')]: 'States.StringToJson($.Input)', [pathKey('s')]: '$.Status' },
      ResultPath: `$.${CONTEXT_KEYS.stoppedRunDescription}`,
      // States.TaskFailed matches any known error but States.Timeout (Step Functions "Error names").
      Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3, BackoffRate: 2, IntervalSeconds: 2 }],
      TimeoutSeconds: 60,
      Next: 'Stopped how?',
    },
    'Stopped how?': {
      Type: 'Choice',
      Choices: [
        // The stopped execution was itself finally-only: its finally-steps already had their turn.
        { Variable: `${input}.${CONTEXT_KEYS.stoppedRun}`, IsPresent: true, Next: 'Nothing to finish' },
        { Variable: ASL_PATHS.stoppedRunStatus, StringEquals: 'ABORTED', Next: 'Cancelled' },
        { Variable: ASL_PATHS.stoppedRunStatus, StringEquals: 'TIMED_OUT', Next: 'Timed out' },
      ],
      Default: 'Nothing to finish',
    },
    Cancelled: context('ABORTED'),
    'Timed out': context('TIMED_OUT'),
    'Nothing to finish': { Type: 'Succeed' },
  };
}

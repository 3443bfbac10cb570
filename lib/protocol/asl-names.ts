/**
 * The names the compiled state machine and the code that serves it agree on: the short JSON keys of the
 * running context and the lookup payload, and the JSONPaths the compiler emits over them.
 *
 * The definition keeps one-letter keys because every step repeats them and Step Functions caps a
 * definition's size; TypeScript code reads them only through the readable names below.
 */

/** Keys of the running context built by the `Start` Pass state (and of the execution input, `p` and `n`). */
export const CONTEXT_KEYS = {
  /** Every declared parameter, typed. */
  parameters: 'p',
  /** true = ignore the store for every step. */
  noCache: 'n',
  /** The manifest hash (`${Manifest}`). */
  manifest: 'm',
  /** The execution id (`$$.Execution.Id`). */
  executionId: 'x',
  /** Where each lookup task puts its `LookupResult`. */
  lookupResult: 'c',
  /** Where the error of a failed run goes before its finally-steps run (`{Error, Cause}`). */
  runFailure: 'f',
  /**
   * The ARN of a stopped execution (ABORTED or TIMED_OUT) whose finally-steps this execution runs: the whole
   * input of such a finally-only execution, and kept in its running context (see stopped-run.ts).
   */
  stoppedRun: 'a',
  /** A finally-only execution's own id (`$$.Execution.Id`), so the stopped run can say where its finally-steps ran. */
  finallyExecution: 'y',
  /** Where a finally-only execution keeps what DescribeExecution said of the stopped one (`{i: input, s: status}`). */
  stoppedRunDescription: 'd',
} as const;

/** Keys of the payload a lookup task sends: `{"s": "<step>", "i.$": "$"}`. */
export const LOOKUP_KEYS = {
  /** The step name. */
  step: 's',
  /** The whole running context. */
  context: 'i',
  /** true = the gather task of a foreach step (after its jobs), not its lookup. */
  gather: 'g',
} as const;

/** The Batch job parameter that carries the JobSpec hash (`Ref::job` in the job definition). */
export const JOB_PARAMETER = 'job';

const RESULT = `$.${CONTEXT_KEYS.lookupResult}`;

/** The JSONPaths of the compiled definition. */
export const ASL_PATHS = {
  /** The whole running context. */
  context: '$',
  /** The execution id in the context object. */
  executionId: '$$.Execution.Id',
  /** The execution input's parameters. */
  parameters: `$.${CONTEXT_KEYS.parameters}`,
  /** The execution input's no-cache flag. */
  noCache: `$.${CONTEXT_KEYS.noCache}`,
  /** Where a lookup task's result goes. */
  lookupResult: RESULT,
  /** `LookupResult.run`: true = submit the Batch job. */
  lookupRun: `${RESULT}.run`,
  /** `LookupResult.job`: the JobSpec hash handed to Batch. */
  lookupJob: `${RESULT}.job`,
  /** `LookupResult.fail`: the cause a failed step reports. */
  lookupFail: `${RESULT}.fail`,
  /** Where a failed Batch task's error goes. */
  taskError: `${RESULT}.e`,
  /** The error that failed the run, caught for its finally-steps. */
  runFailure: `$.${CONTEXT_KEYS.runFailure}`,
  /** Its error name and cause, re-raised by `Run failed` after the finally-steps. */
  runFailureError: `$.${CONTEXT_KEYS.runFailure}.Error`,
  runFailureCause: `$.${CONTEXT_KEYS.runFailure}.Cause`,
  /** A finally-only execution's stopped execution ARN. */
  stoppedRun: `$.${CONTEXT_KEYS.stoppedRun}`,
  /** The stopped execution's input, parsed (`States.StringToJson` of DescribeExecution's `Input`). */
  stoppedRunInput: `$.${CONTEXT_KEYS.stoppedRunDescription}.i`,
  /** The stopped execution's status (DescribeExecution's `Status`). */
  stoppedRunStatus: `$.${CONTEXT_KEYS.stoppedRunDescription}.s`,
  /** `LookupResult.jobs`: how many jobs a foreach step's plan made (the array size). */
  lookupJobs: `${RESULT}.jobs`,
  /** `LookupResult.v`: the metric values a step's condition reads, `$.c.v[i]`. */
  conditionValues: `${RESULT}.v`,
} as const;

/** A Parameters key whose value is a JSONPath (`"name.$"`). */
export function pathKey(name: string): `${string}.$` {
  return `${name}.$`;
}

/**
 * The finally-only execution: how the finally-steps of a stopped run get to run.
 *
 * A Step Functions execution stopped by `StopExecution` (status `ABORTED`) or by its timeout (`TIMED_OUT`)
 * runs no further state, so its own finally-states never run. An EventBridge rule on the execution's status
 * change starts the same state machine with the input `{"a": "<stopped execution ARN>"}`; the compiled
 * `Stopped?` Choice sends such an execution straight to the finally-steps, told the stopped run's status.
 * The local engine runs a cancelled run's finally-steps through the same entry.
 */
import { CONTEXT_KEYS } from './asl-names';
import { CANCELLED_ERROR, TIMED_OUT_ERROR } from './execution';

/** The execution statuses whose finally-steps a finally-only execution runs. */
export const STOPPED_STATUSES = ['ABORTED', 'TIMED_OUT'] as const;
export type StoppedStatus = (typeof STOPPED_STATUSES)[number];

/** The error a finally-step is told (`$PW_RUN_STATUS`) for each stopped status. */
export const STOPPED_RUN_ERRORS: Readonly<Record<StoppedStatus, { readonly Error: string; readonly Cause: string }>> = {
  ABORTED: { Error: CANCELLED_ERROR, Cause: 'the run was cancelled (its execution was stopped)' },
  TIMED_OUT: { Error: TIMED_OUT_ERROR, Cause: 'the run timed out (its execution exceeded its timeout)' },
};

/** The input of a finally-only execution. */
export interface StoppedRunInput {
  /** The stopped execution's ARN. */
  readonly [CONTEXT_KEYS.stoppedRun]: string;
}

/** The input that runs the finally-steps of the stopped execution `executionArn`. */
export function stoppedRunInput(executionArn: string): StoppedRunInput {
  return { [CONTEXT_KEYS.stoppedRun]: executionArn };
}

/** The stopped execution a finally-only execution's input names; undefined for any other input. */
export function stoppedRunOfInput(inputJson: string | undefined): string | undefined {
  try {
    const a = (JSON.parse(inputJson ?? '{}') as Partial<StoppedRunInput> | null)?.[CONTEXT_KEYS.stoppedRun];
    return typeof a === 'string' ? a : undefined;
  } catch {
    return undefined;
  }
}

/** What `runs/<runId>/_finally.json` says: the execution that ran a stopped run's finally-steps. */
export interface StoppedRunFinally {
  /** The finally-only execution's ARN. */
  readonly execution: string;
  /** When its first finally-step was looked up (ISO 8601). */
  readonly at: string;
}

/**
 * What the `Stopped run` Task returns, shaped as the AWS SDK integration returns DescribeExecution's output
 * (PascalCase fields); the local engine's handler returns the same.
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
 */
export interface StoppedRunDescription {
  readonly Input: string;
  readonly Status: string;
}

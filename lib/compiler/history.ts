/**
 * The worst-case number of history events an execution of a compiled definition records, against Step
 * Functions' hard quota of 25,000 events per Standard execution.
 *
 * Upper bound: every state entered once (both sides of a Choice counted, every Parallel branch run to its
 * end), each Task's first attempt; a service retry adds 3 events (scheduled, started, failed) to its task.
 * A foreach step costs the same whatever its item count: its items run in one Batch array job.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/limits.html (Maximum execution history size)
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html
 */
import type { AslDefinition, AslState } from './types';

/** Step Functions' hard quota of history events per Standard execution. */
export const HISTORY_EVENT_QUOTA = 25_000;

/** Events one state records when entered once (first attempts only). */
export function eventsOfState(state: AslState): number {
  switch (state.Type) {
    case 'Task':
      // Entered, Scheduled, Started, Succeeded/Failed, Exited; a .sync Batch job also records Submitted.
      return state.Resource.includes(':batch:') ? 6 : 5;
    case 'Parallel':
      // Entered, Started, Succeeded/Failed, Exited, plus the branches' own states.
      return 4 + state.Branches.reduce((n, b) => n + eventsOfStates(b.States), 0);
    case 'Choice':
    case 'Pass':
    case 'Succeed':
    case 'Fail':
      return 2;
  }
}

function eventsOfStates(states: Readonly<Record<string, AslState>>): number {
  return Object.values(states).reduce((n, s) => n + eventsOfState(s), 0);
}

/** The worst-case events of one execution: ExecutionStarted and its end, plus every state. */
export function worstCaseHistoryEvents(definition: AslDefinition): number {
  return 2 + eventsOfStates(definition.States);
}

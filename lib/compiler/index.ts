/**
 * The compiler: a validated pipeline IR → an Amazon States Language definition (JSONPath only) with
 * named placeholders, plus the AWS Batch job definitions it refers to.
 *
 * ```ts
 * const compiled = compile(ir);
 * const json = substitute(renderDefinition(compiled), { Manifest: 'sha256:…', LookupFunction: arn, … });
 * ```
 *
 * See docs/compiler.md for the state shapes, the DAG strategy, the cache key and the size budget.
 */
export * from './types';
export { compile, renderDefinition, countStates, DEFINITION_SIZE_LIMIT } from './compile';
export { substitute, placeholdersIn, queuePlaceholder, MANIFEST_PLACEHOLDER, LOOKUP_PLACEHOLDER } from './placeholders';
export { BATCH_RETRY_ERRORS, BATCH_THROTTLE_ERROR, DESCRIBE_EXECUTION_RESOURCE, LOOKUP_RETRY_ERRORS, STEP_FAILED_ERROR, STOPPED_CHOICE, STOPPED_RUN_STATE } from './emit';
export { HISTORY_EVENT_QUOTA, eventsOfState, worstCaseHistoryEvents } from './history';
export { taskTimeoutSeconds, BATCH_MAX_ATTEMPTS, QUEUE_ALLOWANCE_SECONDS, MAX_TASK_TIMEOUT_SECONDS } from './task-timeout';

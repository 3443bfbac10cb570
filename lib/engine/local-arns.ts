/**
 * The fake ARNs the local engine puts in place of the compiled definition's placeholders.
 *
 * They only need to be unique and well-formed: every Task state is overridden with a local handler, so
 * no ARN is ever called.
 */

/** Value of `${LookupFunction}` locally. */
export const LOCAL_LOOKUP_ARN = 'arn:aws:lambda:local:000000000000:function:pipewright-lookup';

/** Fake job queue ARN for a `Queue<Name>` placeholder. */
export function localQueueArn(placeholder: string): string {
  return `arn:aws:batch:local:000000000000:job-queue/pipewright-${placeholder.replace(/^Queue/, '').toLowerCase()}`;
}

/** Fake job definition ARN for a `JobDefinition<k>` placeholder. */
export function localJobDefinitionArn(placeholder: string): string {
  return `arn:aws:batch:local:000000000000:job-definition/pipewright-${placeholder.replace(/^JobDefinition/, '')}:1`;
}

/** The Step Functions execution id of a local run (its last `:` segment is the run id). */
export function executionArn(pipeline: string, runId: string): string {
  return `arn:aws:states:local:000000000000:execution:${pipeline}:${runId}`;
}

/**
 * The JobSpec hash of the AWS Batch job the runner runs in, read from the job's own parameters.
 *
 * Batch sets `AWS_BATCH_JOB_ID` in every job container (AWS Batch user guide, "AWS Batch job environment
 * variables"), and `DescribeJobs` returns the `parameters` the state machine submitted (`{"job": <hash>}`), so
 * the hash needs no `Ref::` substitution in the command of an `ecsProperties` container.
 */
import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { UsageError } from '../errors';
import { JOB_PARAMETER } from '../protocol';
import { isHash, type Hash } from '../store';

/** Reads the `job` parameter of Batch job `jobId`. */
export async function jobHashOfBatchJob(jobId: string, batch: BatchClient = new BatchClient({})): Promise<Hash> {
  const { jobs = [] } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
  const job = jobs[0]?.parameters?.[JOB_PARAMETER];
  if (!isHash(job)) {
    throw new UsageError(
      `AWS Batch job ${jobId} has no "job" parameter holding a sha256:<64 hex> hash (received ${JSON.stringify(job ?? null)}); ` +
        'submit it through the Pipewright state machine, or pass --job',
    );
  }
  return job;
}

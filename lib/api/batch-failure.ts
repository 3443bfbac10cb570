/**
 * Plain words for why a step's AWS Batch job failed, from the cause Step Functions records when a
 * `batch:submitJob.sync` task fails (the job's DescribeJobs description as JSON).
 *
 * A job that a queue's `jobStateTimeLimitActions` cancelled carries `Canceled by JobStateTimeLimit action due
 * to reason: <reason>`, with the reasons the AWS Batch user guide lists under "Jobs stuck in a RUNNABLE status".
 * @see https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable.html
 */

/** What each blocked-job reason means, and what to do about it; `{queue}` and `{wait}` are filled in. */
const BLOCKED: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY/,
    'no capacity on the {queue} queue for {wait}: check the EC2 quota of its instance family (for GPU steps ' +
      "Service Quotas 'Running On-Demand G and VT instances', or the Spot one), or allow more instance types or another region " +
      '(`pipewright preflight` checks the quota)',
  ],
  [
    /MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE/,
    "the step needs more vCPUs than the {queue} queue's compute environment may ever run (maxvCpus): raise the " +
      "platform's maxvCpus or ask for fewer vCPUs",
  ],
  [
    /MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/,
    "no instance type of the {queue} queue's compute environment has the vCPUs, memory or GPUs the step asks for: " +
      'allow a larger instance type or ask for less',
  ],
];

/** The job fields of a Batch task failure cause that explain it. */
interface BatchCause {
  readonly StatusReason?: string;
  readonly JobQueue?: string;
  readonly Container?: { readonly Reason?: string };
}

/** The queue's short name in a Pipewright queue ARN or name (`…/pw-1a2b3c4d-gpu` → `gpu`). */
function queueName(queue: string | undefined): string {
  const name = queue?.split('/').at(-1) ?? 'its';
  return /^pw-[0-9a-f]{8}-(.+)$/.exec(name)?.[1] ?? name;
}

/**
 * Explains a Batch task failure cause in plain words, or returns undefined when it says nothing a user could
 * act on beyond the step's own logs.
 */
export function explainBatchFailure(cause: string | undefined, waitMinutes?: number): string | undefined {
  if (!cause) return undefined;
  let job: BatchCause;
  try {
    job = JSON.parse(cause) as BatchCause;
  } catch {
    return undefined;
  }
  const reason = job.StatusReason ?? '';
  for (const [pattern, text] of BLOCKED) {
    if (pattern.test(reason)) {
      const wait = waitMinutes !== undefined ? `${waitMinutes} min` : 'the queue\'s time limit';
      return text.replace('{queue}', queueName(job.JobQueue)).replace('{wait}', wait);
    }
  }
  if (/Job attempt duration exceeded timeout/i.test(reason)) {
    return "the step ran longer than its timeout: raise the step's timeout or make it faster";
  }
  if (/OutOfMemory/i.test(job.Container?.Reason ?? '')) {
    return "the step ran out of memory: raise the step's compute.memory";
  }
  return reason ? `AWS Batch: ${reason}` : undefined;
}

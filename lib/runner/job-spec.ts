/**
 * Reads a JobSpec blob from the store.
 */
import { NotFoundError, UsageError } from '../errors';
import type { ForeachPlan, JobSpec } from '../manifest/types';
import type { ArtifactStore, Hash } from '../store/types';

const SAFE_NAME = /^[^/\\\0]+$/;

/** Loads and checks the job spec a lookup stored under `job`. */
export async function loadJobSpec(store: ArtifactStore, job: Hash): Promise<JobSpec> {
  let bytes: Buffer;
  try {
    bytes = await store.getBytes(job);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`Job spec ${job} is not in the store (${store.location}); the lookup task writes it before the job runs.`);
    }
    throw err;
  }
  const spec = JSON.parse(bytes.toString('utf8')) as JobSpec;
  if ((spec as unknown as ForeachPlan)?.kind === 'foreach') {
    throw new UsageError(`Blob ${job} is the plan of foreach step '${spec.step}', not one job; run it with its array index (AWS_BATCH_JOB_ARRAY_INDEX).`);
  }
  if (spec?.v !== 1 || typeof spec.step !== 'string' || !Array.isArray(spec.command) || spec.command.length === 0) {
    throw new UsageError(`Blob ${job} is not a pipewright job spec (expected {"v":1,"step":…,"command":[…]}).`);
  }
  for (const name of [...Object.keys(spec.inputs), ...spec.outputs, ...(spec.item ? [spec.item.name] : [])]) {
    if (!SAFE_NAME.test(name) || name === '.' || name === '..') {
      throw new UsageError(`Step '${spec.step}': input/output name ${JSON.stringify(name)} cannot be a file name; rename it.`);
    }
  }
  return spec;
}

/** The environment variable AWS Batch sets in each child of an array job. @see https://docs.aws.amazon.com/batch/latest/userguide/array_jobs.html */
export const ARRAY_INDEX_ENV = 'AWS_BATCH_JOB_ARRAY_INDEX';

/**
 * The job specs a Batch job runs: the job itself, or, for the plan of a foreach step, the item jobs of batch
 * `arrayIndex` (0 for a plan submitted as a plain job, i.e. a single job).
 */
export async function jobsOf(store: ArtifactStore, job: Hash, arrayIndex?: number): Promise<Hash[]> {
  const bytes = await store.getBytes(job).catch((err: unknown) => {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`Job spec ${job} is not in the store (${store.location}); the lookup task writes it before the job runs.`);
    }
    throw err;
  });
  let doc: Partial<ForeachPlan>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Partial<ForeachPlan>;
  } catch {
    throw new UsageError(`Blob ${job} is not a pipewright job spec or foreach plan (it is not JSON).`);
  }
  if (doc?.kind !== 'foreach') return [job];
  const index = arrayIndex ?? 0;
  const batches = doc.batches ?? [];
  if (!Number.isInteger(index) || index < 0 || index >= batches.length) {
    throw new UsageError(
      `Foreach plan ${job} of step '${String(doc.step)}' has ${batches.length} job(s); array index ${index} is out of range (expected 0 to ${batches.length - 1}).`,
    );
  }
  return [...batches[index]];
}

/** The array index of this process's Batch job (undefined outside an array job). */
export function arrayIndexFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[ARRAY_INDEX_ENV];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${ARRAY_INDEX_ENV} must be a whole number >= 0; received ${JSON.stringify(text)}.`);
  return n;
}

/**
 * Reads a JobSpec blob from the store.
 */
import { NotFoundError, UsageError } from '../errors';
import type { JobSpec } from '../manifest/types';
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
  if (spec?.v !== 1 || typeof spec.step !== 'string' || !Array.isArray(spec.command) || spec.command.length === 0) {
    throw new UsageError(`Blob ${job} is not a pipewright job spec (expected {"v":1,"step":…,"command":[…]}).`);
  }
  for (const name of [...Object.keys(spec.inputs), ...spec.outputs]) {
    if (!SAFE_NAME.test(name) || name === '.' || name === '..') {
      throw new UsageError(`Step '${spec.step}': input/output name ${JSON.stringify(name)} cannot be a file name; rename it.`);
    }
  }
  return spec;
}

/**
 * The job spec: everything the runner needs to execute one step, stored as a blob whose hash is the
 * Batch job's `job` parameter (so no override approaches Batch's size limit).
 */
import { NotFoundError, UsageError } from '../errors';
import type { ParameterValue } from '../ir';
import type { ArtifactRef, ArtifactStore, Hash } from '../store';
import type { CacheKeyDocument } from './cache-key';
import { ShapeChecker } from './private/shape';

/** Everything the runner needs to execute one step, stored as a blob; its hash is the Batch `job` parameter. */
export interface JobSpec {
  readonly v: 1;
  readonly pipeline: string;
  readonly runId: string;
  readonly step: string;
  readonly key: Hash;
  readonly keyDocument: CacheKeyDocument;
  readonly code: ArtifactRef | null;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Input name → content to stage. */
  readonly inputs: Readonly<Record<string, ArtifactRef>>;
  /** Declared parameter name → typed value. */
  readonly params: Readonly<Record<string, ParameterValue>>;
  readonly outputs: readonly string[];
  readonly gpus: number;
}

const SAFE_NAME = /^[^/\\\0]+$/;

/** Parses and checks a job spec blob; UsageError naming every problem when it is not one. */
export function decodeJobSpec(bytes: Uint8Array, hash: Hash): JobSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    doc = undefined;
  }
  const c = new ShapeChecker();
  if (c.object(doc, 'job')) {
    c.expect(doc.v === 1, 'job.v', '1', doc.v);
    for (const k of ['pipeline', 'runId', 'step'] as const) c.string(doc[k], `job.${k}`);
    c.hash(doc.key, 'job.key');
    c.object(doc.keyDocument, 'job.keyDocument');
    c.ref(doc.code, 'job.code', true);
    c.strings(doc.command, 'job.command', true);
    c.map(doc.env, 'job.env', (v, p) => c.string(v, p));
    c.map(doc.inputs, 'job.inputs', (v, p) => c.ref(v, p));
    c.map(doc.params, 'job.params', (v, p) =>
      c.expect(['string', 'number', 'boolean'].includes(typeof v), p, 'a string, number or boolean', v),
    );
    c.strings(doc.outputs, 'job.outputs');
    c.number(doc.gpus, 'job.gpus');
  }
  if (c.problems.length > 0) {
    throw new UsageError(`Blob ${hash} is not a pipewright job spec (expected {"v":1,"step":…,"command":[…]}):\n  ${c.problems.join('\n  ')}`, c.problems);
  }
  const spec = doc as JobSpec;
  for (const name of [...Object.keys(spec.inputs), ...spec.outputs]) {
    if (!SAFE_NAME.test(name) || name === '.' || name === '..') {
      throw new UsageError(`Step '${spec.step}': input/output name ${JSON.stringify(name)} cannot be a file name; rename it.`);
    }
  }
  return spec;
}

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
  return decodeJobSpec(bytes, job);
}

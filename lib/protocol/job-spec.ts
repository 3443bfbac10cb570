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
  /** The item, for one item of a foreach step. @default - not an item */
  readonly item?: JobItem;
}

/** The item a foreach item's job runs on. */
export interface JobItem {
  /** Position in the step's item list (0-based). */
  readonly index: number;
  /** Its name in the gathered outputs: the entry name, or the index zero-padded to 4 digits. */
  readonly name: string;
  /** The item's file or directory (directory or s3 sources, or a JSON array element that is an object or list). @default - a value */
  readonly ref?: ArtifactRef;
  /** The item's value (list parameters, and JSON array elements that are strings, numbers or booleans). @default - a file */
  readonly value?: string;
}

/**
 * The jobs of a foreach step's run, stored as a blob: array child `k` of `children` runs the jobs
 * `batches[k]`, `batches[k + children]`, `batches[k + 2 × children]`… one after another, so at most
 * `children` jobs run at once (the step's `maxConcurrency`) with one SubmitJob.
 */
export interface ForeachPlan {
  readonly v: 1;
  readonly kind: 'foreach';
  readonly step: string;
  readonly runId: string;
  /** Per job: the JobSpec hashes of its items (a mini-batch of `batch` items), run one after another. */
  readonly batches: readonly (readonly Hash[])[];
  /** The array size: how many jobs run at once. @default batches.length (one child per job) */
  readonly children?: number;
}

/** The array size of a plan: `children`, or one child per job in plans written before it existed. */
export function childrenOf(plan: Pick<ForeachPlan, 'batches' | 'children'>): number {
  return plan.children ?? plan.batches.length;
}

/**
 * The smallest attempt duration AWS Batch accepts, in seconds ("The minimum value for the timeout is 60 seconds").
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_JobTimeout.html
 */
export const BATCH_MIN_ATTEMPT_SECONDS = 60;

/**
 * The Batch attempt duration of a foreach plan's jobs: the step's timeout for each item of the busiest array
 * child (which runs its jobs' items one after another), so every item gets the step's timeout as locally.
 */
export function planAttemptSeconds(plan: Pick<ForeachPlan, 'batches' | 'children'>, itemTimeoutSeconds: number): number {
  const children = childrenOf(plan);
  let most = 0;
  for (let k = 0; k < children; k++) {
    most = Math.max(most, childJobIndexes(plan.batches.length, children, k).reduce((n, j) => n + plan.batches[j].length, 0));
  }
  return Math.max(BATCH_MIN_ATTEMPT_SECONDS, itemTimeoutSeconds * Math.max(1, most));
}

/** The jobs array child `index` of a plan with `children` children runs, in order: `index`, `index + children`, … */
export function childJobIndexes(jobs: number, children: number, index: number): number[] {
  const out: number[] = [];
  for (let j = index; j < jobs; j += children) out.push(j);
  return out;
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
  if ((doc as Partial<ForeachPlan> | undefined)?.kind === 'foreach') {
    throw new UsageError(
      `Blob ${hash} is the plan of foreach step '${String((doc as ForeachPlan).step)}', not one job; run it with its array index (AWS_BATCH_JOB_ARRAY_INDEX).`,
    );
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
      c.expect(
        ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
        p,
        'a string, number, boolean or list of strings',
        v,
      ),
    );
    if (doc.item !== undefined && c.object(doc.item, 'job.item')) {
      c.number(doc.item.index, 'job.item.index');
      c.string(doc.item.name, 'job.item.name');
      if (doc.item.ref !== undefined) c.ref(doc.item.ref, 'job.item.ref');
      else c.string(doc.item.value, 'job.item.value');
    }
    c.strings(doc.outputs, 'job.outputs');
    c.number(doc.gpus, 'job.gpus');
  }
  if (c.problems.length > 0) {
    throw new UsageError(`Blob ${hash} is not a pipewright job spec (expected {"v":1,"step":…,"command":[…]}):\n  ${c.problems.join('\n  ')}`, c.problems);
  }
  const spec = doc as JobSpec;
  for (const name of [...Object.keys(spec.inputs), ...spec.outputs, ...(spec.item ? [spec.item.name] : [])]) {
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

/** The environment variable AWS Batch sets in each child of an array job. @see https://docs.aws.amazon.com/batch/latest/userguide/array_jobs.html */
export const ARRAY_INDEX_ENV = 'AWS_BATCH_JOB_ARRAY_INDEX';

/**
 * The job specs a Batch job runs: the job itself, or, for the plan of a foreach step, the item jobs of every
 * job of array child `arrayIndex` (0 for a plan submitted as a plain job), in the order they run.
 */
export async function jobsOf(store: ArtifactStore, job: Hash, arrayIndex?: number): Promise<Hash[]> {
  return (await jobGroupsOf(store, job, arrayIndex)).flat();
}

/**
 * The jobs a Batch job runs, each as the JobSpec hashes of its items: `[[job]]` for a plain job; for the plan
 * of a foreach step, the mini-batches of array child `arrayIndex` (0 for a plan submitted as a plain job).
 */
export async function jobGroupsOf(store: ArtifactStore, job: Hash, arrayIndex?: number): Promise<Hash[][]> {
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
  if (doc?.kind !== 'foreach') return [[job]];
  const index = arrayIndex ?? 0;
  const batches = doc.batches ?? [];
  const children = childrenOf({ batches, children: doc.children });
  if (!Number.isInteger(index) || index < 0 || index >= children) {
    throw new UsageError(
      `Foreach plan ${job} of step '${String(doc.step)}' has ${children} array child(ren); array index ${index} is out of range (expected 0 to ${children - 1}).`,
    );
  }
  return childJobIndexes(batches.length, children, index).map((j) => [...batches[j]]);
}

/** The array index of this process's Batch job (undefined outside an array job). */
export function arrayIndexFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[ARRAY_INDEX_ENV];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${ARRAY_INDEX_ENV} must be a whole number >= 0; received ${JSON.stringify(text)}.`);
  return n;
}

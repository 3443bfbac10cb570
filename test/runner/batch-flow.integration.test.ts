/**
 * The AWS Batch flow without AWS: the runner bundle (as runner/Dockerfile builds it) runs stage-in and
 * stage-out as plain Node processes against a real S3 API on loopback (s3rver), and the "user container"
 * is `/bin/sh /pw/step.sh` with a bare environment, as in a foreign image.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest } from '../../lib/manifest';
import { readStepRecord, type StepRunDocument } from '../../lib/protocol';
import { createLookupHandler } from '../../lib/reuse';
import { createS3Store } from '../../lib/store';
import type { ArtifactStore, Hash } from '../../lib/store/types';
import { type S3Server, startS3rver } from '../support/s3-servers';
import { irisIR } from './iris-fixture';
import type { PipelineIR } from '../../lib/ir/types';
import { BatchClient } from '@aws-sdk/client-batch';
import { jobHashOfBatchJob } from '../../lib/runner/batch-job';
import { runnerMain } from '../../lib/runner/main';
import { MockAws } from '../api/aws-mock';
import { installSdkRecorder, recorded, recordStore, saveRecording } from '../support/sdk-recorder';

installSdkRecorder();

const ROOT = resolve(__dirname, '../..');
const PREFIX = 'artifacts';

let dir: string;
let bundle: string;
let s3: S3Server;
let store: ArtifactStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-batch-'));
  bundle = join(dir, 'runner.mjs');
  await build({
    entryPoints: [join(ROOT, 'lib/runner/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: bundle,
    logLevel: 'silent',
    banner: { js: "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);" },
  });
  s3 = await startS3rver();
  // refreshAfterMs 0: every blob written again is re-stamped (CopyObject onto itself) as one older than 10
  // minutes would be, so the recording, and the IAM test that reads it, include that call.
  store = createS3Store({ bucket: s3.bucket, prefix: PREFIX, client: s3.client(), refreshAfterMs: 0 });
  recordStore(s3.bucket, PREFIX);
});
afterAll(async () => {
  // Every SDK call the lookup handler and the runner made is in the committed recording the IAM test reads.
  expect(saveRecording('lookup-and-runner'), 'new SDK calls: run with UPDATE_SDK_CALLS=1 and commit test/iam/__recorded__').toEqual([]);
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs a process; resolves with its exit status and output. */
function proc(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

/** One Batch job: stage-in (runner image), step.sh (user image), stage-out only on success. */
async function batchJob(job: Hash, name: string, arrayIndex?: number): Promise<{ step: number | null; log: string; stageOut?: number | null }> {
  const runnerEnv: Record<string, string> = {
    // Batch sets AWS_BATCH_JOB_ARRAY_INDEX in every container of an array child
    // (https://docs.aws.amazon.com/batch/latest/userguide/array_jobs.html).
    ...(arrayIndex !== undefined ? { AWS_BATCH_JOB_ARRAY_INDEX: String(arrayIndex) } : {}),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PIPEWRIGHT_STORE: `s3://${s3.bucket}/${PREFIX}`,
    PIPEWRIGHT_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  const pw = join(dir, `pw-${name}-${job.slice(7, 15)}-${arrayIndex ?? 'x'}`);
  await mkdir(pw);
  const stageInRun = await proc('node', [bundle, 'stage-in', '--job', job, '--dir', pw], runnerEnv);
  expect(stageInRun.code, stageInRun.out).toBe(0);
  // The user's container knows nothing of the store: no credentials, no PIPEWRIGHT_STORE.
  const user = await proc('/bin/sh', [join(pw, 'step.sh')], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  let stageOut: number | null | undefined;
  if (user.code === 0) {
    const out = await proc('node', [bundle, 'stage-out', '--job', job, '--dir', pw], runnerEnv);
    // A mini-batch with a failed item fails its stage-out, so Batch marks the array child failed.
    if (arrayIndex === undefined) expect(out.code, out.out).toBe(0);
    stageOut = out.code;
  }
  return { step: user.code, log: user.out, stageOut };
}

describe('Batch flow against S3 on loopback', () => {
  it('runs iris through stage-in / step.sh / stage-out, then reuses it; a failing register records nothing', async () => {
    const ir = irisIR();
    const { hash } = await buildManifest(ir, store);
    // As the Lambda does: no re-hashing of outputs on S3.
    const handler = createLookupHandler({ store, verifyOutputs: false });
    const lookup: typeof handler = (event) => recorded('lookup', () => handler(event));
    const p = { learning_rate: 0.5, epochs: 300, min_accuracy: 0.9, split: 'stratified' };
    const names = ['prepare', 'train', 'evaluate', 'register'];

    for (const name of names) {
      const r = await lookup({ s: name, i: { p, n: false, m: hash, x: 'arn:aws:states:us-east-1:1:execution:iris:cloud-1' } });
      expect(r.run).toBe(true);
      const { step: code, log } = await batchJob(r.job!, name);
      expect(code, log).toBe(0);
      expect(await readStepRecord(store, r.key!)).toBeDefined();
    }
    const reg = await store.getJson<StepRunDocument>('runs/cloud-1/register.json');
    expect(reg).toMatchObject({ status: 'ran', outputs: { registered: expect.stringMatching(/^sha256:/) } });
    const registered = JSON.parse((await store.getBytes(reg!.outputs.registered as Hash)).toString());
    expect(registered.accuracy).toBeGreaterThanOrEqual(0.9);

    // A second execution reuses everything; a stricter threshold re-runs only register, which fails.
    for (const name of names) {
      const r = await lookup({ s: name, i: { p, n: false, m: hash, x: 'exec:cloud-2' } });
      expect(r.run).toBe(false);
    }
    const strict = { ...p, min_accuracy: 0.999 };
    for (const name of names.slice(0, 3)) {
      expect((await lookup({ s: name, i: { p: strict, n: false, m: hash, x: 'exec:cloud-3' } })).run).toBe(false);
    }
    const r = await lookup({ s: 'register', i: { p: strict, n: false, m: hash, x: 'exec:cloud-3' } });
    expect(r.run).toBe(true);
    const failed = await batchJob(r.job!, 'register-strict');
    expect(failed.step).toBe(1);
    expect(failed.log).toMatch(/accuracy 0\.\d+ is below min_accuracy 0\.999/);
    expect(await readStepRecord(store, r.key!)).toBeUndefined();
  });
});

describe('a foreach step as one Batch array job', () => {
  it('runs each child\'s mini-batch by AWS_BATCH_JOB_ARRAY_INDEX through stage-in / step.sh / stage-out, then gathers', async () => {
    // GIVEN a foreach over 5 values in mini-batches of 2 (3 children), one of which fails, 1 failure tolerated
    const base = irisIR();
    const ir: PipelineIR = {
      ...base,
      name: 'genres',
      parameters: { genres: { type: 'list' } },
      steps: {
        each: {
          ...base.steps.prepare,
          name: 'each',
          code: undefined,
          inputs: {},
          params: [],
          command: ['sh', '-c', '[ "$PW_ITEM" != bad ] || exit 9; echo "$PW_ITEM_NAME:$PW_ITEM" > "$PW_OUTPUT_OUT"'],
          outputs: ['out'],
          foreach: { source: { kind: 'param', name: 'genres' }, batch: 2, tolerate: { kind: 'count', count: 1 }, maxConcurrency: 0 },
        },
      },
    };
    const { hash } = await buildManifest(ir, store);
    const lookup = createLookupHandler({ store, verifyOutputs: false });
    const i = { p: { genres: ['rock', 'bad', 'pop', 'folk', 'soul'] }, n: false, m: hash, x: 'exec:array-1' };
    // WHEN the lookup plans it
    const plan = await lookup({ s: 'each', i });
    // THEN 3 jobs are planned, and only a count and a hash travel in the state
    expect(plan).toMatchObject({ run: true, jobs: 3, job: expect.stringMatching(/^sha256:/) });
    expect(JSON.stringify(plan).length).toBeLessThan(400);
    // WHEN each array child runs its mini-batch (the user's container exits 0; stage-out reports each item)
    const stageOuts: Array<number | null | undefined> = [];
    for (let index = 0; index < 3; index++) {
      const child = await batchJob(plan.job!, 'each', index);
      expect(child.step, child.log).toBe(0);
      stageOuts.push(child.stageOut);
    }
    // the child holding the bad item (index 0: items 0 and 1) failed; the others succeeded
    expect(stageOuts).toEqual([1, 0, 0]);
    // AND the gather runs
    await lookup({ s: 'each', g: true, i: { ...i, c: plan } });
    // THEN the step succeeded within tolerate, the failed item is listed with its error, the others gathered
    const doc = await store.getJson<StepRunDocument>('runs/array-1/each.json');
    expect(doc).toMatchObject({ status: 'ran', items: { total: 5, ran: 4, reused: 0, failed: 1 } });
    expect(doc!.failedItems).toEqual([{ index: 1, name: '0001', error: expect.stringMatching(/item 0001 failed: exit code 9/) }]);
    const tree = JSON.parse((await store.getBytes(doc!.outputs.out.slice(5) as Hash)).toString()) as { entries: { name: string }[] };
    expect(tree.entries.map((e) => e.name)).toEqual(['0000', '0002', '0003', '0004']);

    // WHEN a second execution with the bad value fixed runs: one job (a plain job, not an array) for one item
    const fixed = { ...i, p: { genres: ['rock', 'jazz', 'pop', 'folk', 'soul'] }, x: 'exec:array-2' };
    const again = await lookup({ s: 'each', i: fixed });
    expect(again).toMatchObject({ run: true, jobs: 1 });
    const single = await batchJob(again.job!, 'each-2');
    expect(single.step, single.log).toBe(0);
    await lookup({ s: 'each', g: true, i: { ...fixed, c: again } });
    expect(await store.getJson<StepRunDocument>('runs/array-2/each.json')).toMatchObject({ items: { total: 5, ran: 1, reused: 4, failed: 0 } });
  });
});

describe('a foreach step under maxConcurrency: fewer array children than jobs', () => {
  it('child k finds jobs k, k+M, … from AWS_BATCH_JOB_ARRAY_INDEX and the plan, and runs them all after one fails', async () => {
    // GIVEN 7 items in mini-batches of 2 (4 jobs) with maxConcurrency 2, item 2 failing, a code tree shared by each job
    const base = irisIR();
    const ir: PipelineIR = {
      ...base,
      name: 'capped',
      parameters: { xs: { type: 'list' } },
      steps: {
        each: {
          ...base.steps.prepare,
          name: 'each',
          inputs: {},
          params: [],
          command: ['sh', '-c', '[ "$PW_ITEM" != bad ] || exit 9; ls > "$PW_OUTPUT_OUT"; echo "$PW_ITEM_NAME:$PW_ITEM" >> "$PW_OUTPUT_OUT"; touch "seen-$PW_ITEM"'],
          outputs: ['out'],
          foreach: { source: { kind: 'param', name: 'xs' }, batch: 2, tolerate: { kind: 'count', count: 1 }, maxConcurrency: 2 },
        },
      },
    };
    const { hash } = await buildManifest(ir, store);
    const lookup = createLookupHandler({ store, verifyOutputs: false });
    const i = { p: { xs: ['a', 'b', 'bad', 'c', 'd', 'e', 'f'] }, n: false, m: hash, x: 'exec:capped-1' };
    // WHEN the lookup plans it: the array has maxConcurrency children, not one per job
    const plan = await lookup({ s: 'each', i });
    expect(plan).toMatchObject({ run: true, jobs: 2 });
    // AND each child runs as Batch runs it: stage-in, the user's step.sh, stage-out
    const children = [];
    for (let index = 0; index < 2; index++) children.push(await batchJob(plan.job!, 'capped', index));
    // THEN child 0 ran jobs 0 and 2 (items a, b, d, e) and child 1 jobs 1 and 3 (bad, c, f), carrying on after bad
    expect(children.map((c) => c.step)).toEqual([0, 0]);
    expect(children.map((c) => c.stageOut)).toEqual([0, 1]);
    await lookup({ s: 'each', g: true, i: { ...i, c: plan } });
    const doc = await store.getJson<StepRunDocument>('runs/capped-1/each.json');
    expect(doc).toMatchObject({ status: 'ran', items: { total: 7, ran: 6, reused: 0, failed: 1 } });
    expect(doc!.failedItems).toEqual([{ index: 2, name: '0002', error: expect.stringMatching(/item 0002 failed: exit code 9/) }]);
    // AND the items of one job shared one working directory (the code tree, staged once per job), never another job's
    const tree = JSON.parse((await store.getBytes(doc!.outputs.out.slice(5) as Hash)).toString()) as { entries: { name: string; hash: Hash }[] };
    const outs = Object.fromEntries(await Promise.all(tree.entries.map(async (e) => [e.name, (await store.getBytes(e.hash)).toString()] as const)));
    expect(Object.keys(outs)).toEqual(['0000', '0001', '0003', '0004', '0005', '0006']);
    expect(outs['0001']).toMatch(/seen-a/);
    expect(outs['0004']).not.toMatch(/seen-a|seen-b/);
    expect(outs['0005']).toMatch(/seen-d/);
    // AND an index past the array is refused with the plan's size
    const past = await proc('node', [bundle, 'stage-in', '--job', plan.job!, '--dir', join(dir, 'past')], {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_BATCH_JOB_ARRAY_INDEX: '2',
      PIPEWRIGHT_STORE: `s3://${s3.bucket}/${PREFIX}`,
      PIPEWRIGHT_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    expect(past.code).toBe(2);
    expect(past.out).toMatch(/has 2 array child\(ren\); array index 2 is out of range \(expected 0 to 1\)/);
  });
});

describe('the runner in process (its SDK calls are recorded for the IAM test)', () => {
  it('stages in, runs and stages out a step, taking the JobSpec hash from its Batch job', async () => {
    const ir = irisIR();
    const { hash } = await buildManifest(ir, store);
    const lookup = createLookupHandler({ store, verifyOutputs: false });
    // A new learning rate: prepare is reused, train runs and stores a new model (new blobs are written).
    const p = { learning_rate: 0.6, epochs: 300, min_accuracy: 0.9, split: 'stratified' };
    expect((await recorded('lookup', () => lookup({ s: 'prepare', i: { p, n: false, m: hash, x: 'exec:in-process' } }))).run).toBe(false);
    const r = await recorded('lookup', () => lookup({ s: 'train', i: { p, n: false, m: hash, x: 'exec:in-process' } }));
    expect(r.run).toBe(true);
    // In AWS Batch the runner reads `job` from its own job's parameters (AWS_BATCH_JOB_ID): against a MOCK of
    // the Batch API on loopback (test/api/aws-mock.ts).
    const mock = new MockAws();
    await mock.start();
    try {
      mock.jobs.push({ jobId: 'job-1', jobName: 'train', jobQueue: 'q', status: 'RUNNING', createdAt: Date.now(), parameters: { job: r.job! } });
      const batch = new BatchClient({ endpoint: mock.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const job = await recorded('runner', () => jobHashOfBatchJob('job-1', batch));
      expect(job).toBe(r.job);
      const pw = join(dir, 'pw-in-process');
      await mkdir(pw);
      expect(await recorded('runner', () => runnerMain(['stage-in', '--job', job, '--dir', pw], store))).toBe(0);
      const user = await proc('/bin/sh', [join(pw, 'step.sh')], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
      expect(user.code, user.out).toBe(0);
      expect(await recorded('runner', () => runnerMain(['stage-out', '--job', job, '--dir', pw], store))).toBe(0);
      expect(await readStepRecord(store, r.key!)).toBeDefined();
    } finally {
      await mock.stop();
    }
  });
});

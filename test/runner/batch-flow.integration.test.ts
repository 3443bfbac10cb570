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
  store = createS3Store({ bucket: s3.bucket, prefix: PREFIX, client: s3.client() });
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
async function batchJob(job: Hash, name: string): Promise<{ step: number | null; log: string }> {
  const runnerEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PIPEWRIGHT_STORE: `s3://${s3.bucket}/${PREFIX}`,
    PIPEWRIGHT_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  const pw = join(dir, `pw-${name}-${job.slice(7, 15)}`);
  await mkdir(pw);
  const stageInRun = await proc('node', [bundle, 'stage-in', '--job', job, '--dir', pw], runnerEnv);
  expect(stageInRun.code, stageInRun.out).toBe(0);
  // The user's container knows nothing of the store: no credentials, no PIPEWRIGHT_STORE.
  const user = await proc('/bin/sh', [join(pw, 'step.sh')], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  if (user.code === 0) {
    const out = await proc('node', [bundle, 'stage-out', '--job', job, '--dir', pw], runnerEnv);
    expect(out.code, out.out).toBe(0);
  }
  return { step: user.code, log: user.out };
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
      expect(await readStepRecord(store, r.key)).toBeDefined();
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
    expect(await readStepRecord(store, r.key)).toBeUndefined();
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
      expect(await readStepRecord(store, r.key)).toBeDefined();
    } finally {
      await mock.stop();
    }
  });
});

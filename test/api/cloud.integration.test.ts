/**
 * The trigger API's cloud dependencies with the real AWS SDK clients (SFN, Batch) pointed at a MOCK of their
 * HTTP APIs (see aws-mock.ts for why it is a mock), and the store part (registry, manifests, job specs, step
 * documents) on a real filesystem store and on a real S3 API (s3rver) on loopback.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler, type ApiHandler } from '../../lib/api/handler';
import { createCloudDeps } from '../../lib/api/cloud-deps';
import { idempotentRunId } from '../../lib/api/idempotency';
import { createApiGatewayHandler } from '../../lib/api/lambda';
import { storeRegistry } from '../../lib/api/registry';
import type { RegistryEntry } from '../../lib/protocol';
import type { JobSpec, PipelineManifest, StepRunDocument } from '../../lib/protocol';
import { canonicalJson, createFsStore, createS3Store } from '../../lib/store';
import type { ArtifactStore, Hash } from '../../lib/store/types';
import { startS3rver, type S3Server } from '../support/s3-servers';
import { MockAws } from './aws-mock';
import { installSdkRecorder, recorded, recordStore, saveRecording } from '../support/sdk-recorder';
import { tempDir } from './support';

installSdkRecorder();
afterAll(() => {
  // Every SDK call the API handler made is in the committed recording the IAM test reads.
  expect(saveRecording('api'), 'new SDK calls: run with UPDATE_SDK_CALLS=1 and commit test/iam/__recorded__').toEqual([]);
});

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:train';
const EXEC = 'arn:aws:states:eu-west-1:123456789012:execution:train';
const AWS = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' } };

function manifest(parameters: PipelineManifest['parameters']): PipelineManifest {
  const step = (name: string) => ({
    name,
    code: null,
    command: ['true'],
    image: 'node:22',
    env: {},
    inputs: {},
    params: [],
    outputs: [],
    compute: { vcpus: 1, memory: 512, gpus: 0, queue: 'cpu' },
    retries: 0,
    timeoutSeconds: 60,
    cache: true,
    cacheVersion: null,
  });
  return { v: 1, pipeline: 'train', parameters, steps: { prepare: step('prepare'), fit: step('fit'), report: step('report') } };
}

function definition(manifestHash: Hash): string {
  return JSON.stringify({ StartAt: 'Start', States: { Start: { Type: 'Pass', Parameters: { 'p.$': '$.p', 'n.$': '$.n', m: manifestHash, 'x.$': '$$.Execution.Id' }, End: true } } });
}

async function putJson(store: ArtifactStore, value: unknown): Promise<Hash> {
  return store.putBytes(Buffer.from(canonicalJson(value), 'utf8'));
}

function jobSpec(runId: string, step: string): JobSpec {
  return {
    v: 1,
    pipeline: 'train',
    runId,
    step,
    key: `sha256:${'1'.repeat(64)}`,
    keyDocument: { v: 1, code: null, command: ['true'], image: 'node:22', env: {}, inputs: {}, params: {}, outputs: [], cacheVersion: null },
    code: null,
    command: ['true'],
    env: {},
    inputs: {},
    params: {},
    outputs: [],
    gpus: 0,
  };
}

const stores: { name: string; open: () => Promise<{ store: ArtifactStore; close: () => Promise<void> }> }[] = [
  {
    name: 'filesystem store',
    open: async () => {
      const tmp = await tempDir('pw-cloud-');
      return { store: createFsStore(tmp.dir), close: tmp.cleanup };
    },
  },
  {
    name: 's3rver store',
    open: async () => {
      const s3: S3Server = await startS3rver();
      recordStore(s3.bucket, 'pw');
      return { store: createS3Store({ client: s3.client(), bucket: s3.bucket, prefix: 'pw' }), close: s3.stop };
    },
  },
];

describe.each(stores)('cloud deps ($name)', ({ open }) => {
  let mock: MockAws;
  let store: ArtifactStore;
  let close: () => Promise<void>;
  let handler: ApiHandler;
  let aliasArn: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await recorded('api', () =>
      handler({ method, path, headers: {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), baseUrl: 'https://api.example/v1' }),
    );
    return { status: r.statusCode, body: JSON.parse(r.body) };
  };

  beforeAll(async () => {
    ({ store, close } = await open());
    // GIVEN version 1 declaring `epochs`, and version 2 (live) adding `lr`
    const m1 = await putJson(store, manifest({ epochs: { type: 'integer', default: 10, minimum: 1 } }));
    const live = { epochs: { type: 'integer', default: 10, minimum: 1 }, lr: { type: 'number', default: 0.1, maximum: 1 } } as const;
    const m2 = await putJson(store, manifest(live));
    mock = new MockAws();
    await mock.start();
    ({ aliasArn } = mock.addStateMachine(SM, [definition(m1), definition(m2)]));
    // AND the registry entry PublishedPipeline writes
    const entry: RegistryEntry = { v: 1, name: 'train', description: 'Fits a model', stateMachineArn: SM, aliasArn, manifest: m2, parameters: live, steps: ['prepare', 'fit', 'report'] };
    await store.putJson('registry/train.json', entry);
    const client = { endpoint: mock.endpoint, ...AWS };
    handler = createApiHandler(
      createCloudDeps({
        sfn: new SFNClient(client),
        batch: new BatchClient(client),
        store,
        registry: storeRegistry(store),
        jobQueues: ['cpu-queue', 'gpu-queue'],
        capacityWaitMinutes: 30,
      }),
    );
  });

  afterAll(async () => {
    await mock?.stop();
    await close?.();
  });

  it('lists published pipelines with their versions, live version and parameter schema', async () => {
    const r = await call('GET', '/pipelines');
    expect(r.status).toBe(200);
    expect(r.body.pipelines).toEqual([
      {
        name: 'train',
        description: 'Fits a model',
        versions: [
          { version: 1, createdAt: '2026-11-01T00:00:00.000Z' },
          { version: 2, createdAt: '2026-11-02T00:00:00.000Z' },
        ],
        live: 2,
        steps: ['prepare', 'fit', 'report'],
        parameters: {
          type: 'object',
          properties: { epochs: { type: 'integer', default: 10, minimum: 1 }, lr: { type: 'number', default: 0.1, maximum: 1 } },
          required: [],
          additionalProperties: false,
        },
      },
    ]);
  });

  it('starts the live alias with the execution name = runId and input {"p": typed parameters, "n": false}', async () => {
    const r = await call('POST', '/pipelines/train/runs', { parameters: { epochs: '5' } });
    expect(r.status).toBe(202);
    expect(r.body.statusUrl).toBe(`https://api.example/v1/pipelines/train/runs/${r.body.runId}`);
    expect(mock.callsOf('StartExecution').at(-1)).toEqual({ stateMachineArn: aliasArn, name: r.body.runId, input: '{"p":{"epochs":5,"lr":0.1},"n":false}' });
  });

  it('starts a pinned version by its version ARN, validating against that version\'s own parameters', async () => {
    const ok = await call('POST', '/pipelines/train/runs', { parameters: { epochs: 3 }, version: 1 });
    expect(ok.status).toBe(202);
    expect(mock.callsOf('StartExecution').at(-1)).toEqual({ stateMachineArn: `${SM}:1`, name: ok.body.runId, input: '{"p":{"epochs":3},"n":false}' });
    const before = mock.callsOf('StartExecution').length;
    const bad = await call('POST', '/pipelines/train/runs', { parameters: { lr: 0.5 }, version: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.stringMatching(/unknown parameter "lr"/)]);
    const range = await call('POST', '/pipelines/train/runs', { parameters: { lr: 2 } });
    expect(range.status).toBe(400);
    expect(range.body.problems).toEqual([expect.stringMatching(/"lr".*<= 1/)]);
    expect(mock.callsOf('StartExecution').length).toBe(before);
  });

  it('answers 404 for an unknown version or pipeline', async () => {
    expect((await call('POST', '/pipelines/train/runs', { version: 9 })).status).toBe(404);
    expect((await call('POST', '/pipelines/nope/runs', {})).status).toBe(404);
    expect((await call('GET', '/pipelines/train/runs/no-such-run')).status).toBe(404);
    expect((await call('DELETE', '/pipelines/train/runs/no-such-run')).status).toBe(404);
  });

  it('derives the execution name from the idempotency key, so a repeat returns the same run without a second start', async () => {
    const body = { parameters: { epochs: 7 }, idempotencyKey: 'nightly-2026-11-27' };
    const first = await call('POST', '/pipelines/train/runs', body);
    expect(first.status).toBe(202);
    expect(first.body.runId).toBe(idempotentRunId('train', 'nightly-2026-11-27'));
    expect(first.body.runId).toMatch(/^k-[0-9a-f]{32}$/);
    const starts = mock.callsOf('StartExecution').length;
    const second = await call('POST', '/pipelines/train/runs', { ...body, parameters: { epochs: 8 } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ runId: first.body.runId, existing: true });
    expect(mock.callsOf('StartExecution').length).toBe(starts);
  });

  it('reports a run from the execution and the step documents in the store', async () => {
    // GIVEN a running execution whose first step ran
    const { body } = await call('POST', '/pipelines/train/runs', { parameters: { epochs: 4 } });
    const runId: string = body.runId;
    const doc: StepRunDocument = {
      step: 'prepare',
      status: 'ran',
      cacheKey: `sha256:${'a'.repeat(64)}`,
      outputs: { data: `sha256:${'b'.repeat(64)}` },
      metrics: [
        { name: 'rows', value: 100 },
        { name: 'rows', value: 150 },
      ],
      durationMs: 1200,
      startedAt: '2026-11-27T08:00:00.000Z',
    };
    await store.putJson(`runs/${runId}/prepare.json`, doc);
    // WHEN
    const running = await call('GET', `/pipelines/train/runs/${runId}`);
    // THEN
    expect(running.status).toBe(200);
    expect(running.body).toMatchObject({
      runId,
      pipeline: 'train',
      status: 'running',
      version: 2,
      parameters: { epochs: 4, lr: 0.1 },
      steps: {
        prepare: { status: 'ran', cacheKey: doc.cacheKey, durationMs: 1200, startedAt: doc.startedAt, outputs: doc.outputs, metrics: { rows: 150 } },
        fit: { status: 'pending' },
        report: { status: 'pending' },
      },
    });
    // WHEN the execution fails at `fit`
    const exec = mock.executions.get(`${EXEC}:${runId}`)!;
    Object.assign(exec, { status: 'FAILED', stopDate: new Date(exec.startDate.getTime() + 5000), error: 'Pipewright.StepFailed', cause: "Step 'fit' failed" });
    const failed = await call('GET', `/pipelines/train/runs/${runId}`);
    // THEN the failing step is named and its dependents are skipped
    expect(failed.body).toMatchObject({ status: 'failed', durationMs: 5000, steps: { prepare: { status: 'ran' }, fit: { status: 'failed' }, report: { status: 'skipped' } } });
    expect(failed.body.error).toBeUndefined();
  });

  it('says in plain words why a step failed when its queue cancelled the job for want of capacity', async () => {
    // GIVEN an execution whose GPU job a queue's jobStateTimeLimitActions cancelled: the statusReason is the one
    // the AWS Batch user guide gives ("Jobs stuck in RUNNABLE due to capacity"), inside the cause Step Functions
    // records for a failed batch task (the job's description as JSON)
    const { body } = await call('POST', '/pipelines/train/runs', {});
    const exec = mock.executions.get(`${EXEC}:${body.runId}`)!;
    const job = { JobQueue: 'arn:aws:batch:eu-west-1:1:job-queue/pw-1a2b3c4d-gpu', StatusReason: 'Canceled by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY' };
    Object.assign(exec, {
      status: 'FAILED',
      error: 'Pipewright.StepFailed',
      cause: "Step 'fit' failed",
      history: [{ type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', error: 'States.TaskFailed', cause: JSON.stringify(job) } }],
    });
    // WHEN its status is read THEN the failed step says what happened and what to check
    const r = await call('GET', `/pipelines/train/runs/${body.runId}`);
    expect(r.body.steps.fit).toMatchObject({ status: 'failed' });
    expect(r.body.steps.fit.error).toMatch(/^Step 'fit' failed: no capacity on the gpu queue for 30 min: check the EC2 quota/);
  });

  it("cancels: StopExecution, then TerminateJob for this run's active jobs only, confirmed by their job specs", async () => {
    // GIVEN a running execution and jobs: two of this run (active), one of this run (finished), one of another run
    const { body } = await call('POST', '/pipelines/train/runs', {});
    const runId: string = body.runId;
    const mine = await putJson(store, jobSpec(runId, 'fit'));
    const mineGpu = await putJson(store, jobSpec(runId, 'report'));
    const theirs = await putJson(store, jobSpec('20261127-000000-000abc', 'fit'));
    const now = Date.now();
    mock.jobs.push(
      { jobId: 'job-mine', jobName: 'fit', jobQueue: 'cpu-queue', status: 'RUNNING', createdAt: now, parameters: { job: mine } },
      { jobId: 'job-mine-gpu', jobName: 'report', jobQueue: 'gpu-queue', status: 'RUNNABLE', createdAt: now, parameters: { job: mineGpu } },
      { jobId: 'job-mine-done', jobName: 'prepare', jobQueue: 'cpu-queue', status: 'SUCCEEDED', createdAt: now, parameters: { job: mine } },
      { jobId: 'job-theirs', jobName: 'fit', jobQueue: 'cpu-queue', status: 'RUNNING', createdAt: now, parameters: { job: theirs } },
    );
    // WHEN
    const r = await call('DELETE', `/pipelines/train/runs/${runId}`);
    // THEN
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ runId, status: 'cancelled', terminatedJobs: ['job-mine', 'job-mine-gpu'] });
    expect(mock.callsOf('StopExecution').at(-1)).toMatchObject({ executionArn: `${EXEC}:${runId}`, error: 'Pipewright.Cancelled' });
    expect(mock.callsOf('TerminateJob').map((c) => c.jobId)).toEqual(['job-mine', 'job-mine-gpu']);
    expect(mock.callsOf('ListJobs').slice(-2).map((c) => c.jobQueue)).toEqual(['cpu-queue', 'gpu-queue']);
    expect(mock.callsOf('ListJobs').at(-1).filters[0].name).toBe('AFTER_CREATED_AT');
    expect(mock.jobs.find((j) => j.jobId === 'job-theirs')!.status).toBe('RUNNING');
    // AND the run now reads cancelled; a second DELETE is 409
    expect((await call('GET', `/pipelines/train/runs/${runId}`)).body.status).toBe('cancelled');
    const again = await call('DELETE', `/pipelines/train/runs/${runId}`);
    expect(again.status).toBe(409);
    expect(again.body.status).toBe('cancelled');
  });

  it('serves API Gateway proxy events through createApiGatewayHandler (stage in the status URL, base64 bodies)', async () => {
    const client = { endpoint: mock.endpoint, ...AWS };
    const lambda = createApiGatewayHandler(
      createCloudDeps({ sfn: new SFNClient(client), batch: new BatchClient(client), store, registry: storeRegistry(store), jobQueues: [] }),
    );
    const event = {
      httpMethod: 'POST',
      path: '/pipelines/train/runs',
      headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ parameters: { epochs: 2 } })).toString('base64'),
      isBase64Encoded: true,
      requestContext: { stage: 'v1', domainName: 'abc123.execute-api.eu-west-1.amazonaws.com' },
    } as unknown as APIGatewayProxyEvent;
    const res = await lambda(event);
    expect(res.statusCode).toBe(202);
    const { runId, statusUrl } = JSON.parse(res.body);
    expect(statusUrl).toBe(`https://abc123.execute-api.eu-west-1.amazonaws.com/v1/pipelines/train/runs/${runId}`);
    const bad = await lambda({ ...event, body: '{"parameters": 1}', isBase64Encoded: false });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).problems).toEqual([expect.stringMatching(/^parameters: expected an object/)]);
  });
});

describe('createApiGatewayHandler() configured from the environment', () => {
  const saved = { ...process.env };
  let mock: MockAws;
  let tmp: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    mock = new MockAws();
    await mock.start();
    tmp = await tempDir('pw-cloud-env-');
  });

  afterAll(async () => {
    process.env = saved;
    await mock?.stop();
    await tmp?.cleanup();
  });

  it('answers 500 naming the variable when PIPEWRIGHT_STORE is missing', async () => {
    delete process.env.PIPEWRIGHT_STORE;
    const res = await createApiGatewayHandler()({ httpMethod: 'GET', path: '/pipelines', headers: {}, body: null } as unknown as APIGatewayProxyEvent);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body).error).toMatch(/PIPEWRIGHT_STORE is not set/);
  });

  it('reads PIPEWRIGHT_STORE, PIPEWRIGHT_PIPELINES and PIPEWRIGHT_JOB_QUEUES, and uses the default AWS client configuration', async () => {
    // GIVEN a registry in PIPEWRIGHT_PIPELINES instead of the store, and SDK endpoints pointed at the mock
    const store = createFsStore(tmp.dir);
    const m = await putJson(store, manifest({ epochs: { type: 'integer', default: 1 } }));
    const { aliasArn } = mock.addStateMachine(SM, [definition(m)]);
    Object.assign(process.env, {
      PIPEWRIGHT_STORE: tmp.dir,
      PIPEWRIGHT_PIPELINES: JSON.stringify([{ v: 1, name: 'train', stateMachineArn: SM, aliasArn, manifest: m, parameters: { epochs: { type: 'integer', default: 1 } }, steps: ['prepare'] }]),
      PIPEWRIGHT_JOB_QUEUES: 'cpu-queue,gpu-queue',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDMOCK',
      AWS_SECRET_ACCESS_KEY: 'mock',
      AWS_ENDPOINT_URL_SFN: mock.endpoint,
      AWS_ENDPOINT_URL_BATCH: mock.endpoint,
    });
    const lambda = createApiGatewayHandler();
    const event = (httpMethod: string, path: string, body?: unknown) =>
      ({ httpMethod, path, headers: {}, body: body === undefined ? null : JSON.stringify(body), requestContext: { stage: 'v1', domainName: 'api.example' } }) as unknown as APIGatewayProxyEvent;
    // WHEN / THEN
    const list = await lambda(event('GET', '/pipelines'));
    expect(list.statusCode).toBe(200);
    expect(JSON.parse(list.body).pipelines.map((p: { name: string; live: number }) => [p.name, p.live])).toEqual([['train', 1]]);
    const start = await lambda(event('POST', '/pipelines/train/runs', { parameters: { epochs: 3 } }));
    expect(start.statusCode).toBe(202);
    const { runId } = JSON.parse(start.body);
    const cancel = await lambda(event('DELETE', `/pipelines/train/runs/${runId}`));
    expect(cancel.statusCode).toBe(202);
    expect(mock.callsOf('ListJobs').map((c) => c.jobQueue)).toEqual(['cpu-queue', 'gpu-queue']);
  });
});

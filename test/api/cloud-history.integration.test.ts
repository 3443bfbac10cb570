/**
 * The run history against the cloud dependencies: runs are Step Functions executions (the MOCK in aws-mock.ts,
 * see there for why) and step documents live in a real filesystem store, as the Lambda reads them.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler, type ApiHandler } from '../../lib/api/handler';
import { createCloudDeps } from '../../lib/api/cloud-deps';
import { cloudRunSource, createRunHistory, triggerOfExecutionName, withHistory } from '../../lib/api/history/index';
import { storeRegistry } from '../../lib/api/registry';
import { runKey, type PipelineManifest, type RegistryEntry, type StepRunDocument } from '../../lib/protocol';
import type { ResolvedParameters } from '../../lib/spec';
import { canonicalJson, createFsStore, type ArtifactStore, type Hash } from '../../lib/store';
import { MockAws } from './aws-mock';
import { tempDir } from './support';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:train';
const AWS = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' } };
const KEY = `sha256:${'1'.repeat(64)}` as Hash;
const DATA = `sha256:${'2'.repeat(64)}` as Hash;

function manifest(): PipelineManifest {
  const step = (name: string, inputs: PipelineManifest['steps'][string]['inputs'] = {}) => ({
    name, code: null, command: ['true'], image: 'node:22', env: {}, inputs, params: [], outputs: ['out'],
    compute: { vcpus: 1, memory: 512, gpus: 0, queue: 'cpu' }, retries: 0, timeoutSeconds: 60, cache: true, cacheVersion: null,
  });
  return { v: 1, pipeline: 'train', parameters: {}, steps: { prepare: step('prepare'), fit: step('fit', { data: { kind: 'step', step: 'prepare', output: 'out' } }) } };
}

let tmp: { dir: string; cleanup: () => Promise<void> };
let store: ArtifactStore;
let mock: MockAws;
let handler: ApiHandler;
const runIds = ['20261130-100000-00000a', '20261130-110000-00000b', '20261130-120000-00000c'];

async function call(path: string, query: Record<string, string> = {}) {
  const r = await handler({ method: 'GET', path, query, headers: {} });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

beforeAll(async () => {
  tmp = await tempDir('pw-cloud-history-');
  store = createFsStore(tmp.dir);
  const m = await store.putBytes(Buffer.from(canonicalJson(manifest()), 'utf8'));
  mock = new MockAws();
  await mock.start();
  const definition = JSON.stringify({ StartAt: 'Start', States: { Start: { Type: 'Pass', Parameters: { 'p.$': '$.p', 'n.$': '$.n', m, 'x.$': '$$.Execution.Id' }, End: true } } });
  const { aliasArn } = mock.addStateMachine(SM, [definition]);
  const entry: RegistryEntry = { v: 1, name: 'train', stateMachineArn: SM, aliasArn, manifest: m, parameters: {}, steps: ['prepare', 'fit'] };
  await store.putJson('registry/train.json', entry);
  const client = { endpoint: mock.endpoint, ...AWS };
  const sfn = new SFNClient(client);
  const registry = storeRegistry(store);
  const deps = createCloudDeps({ sfn, batch: new BatchClient(client), store, registry, jobQueues: [] });
  handler = createApiHandler(withHistory(deps, createRunHistory(cloudRunSource({ sfn, registry, getRun: (p, r) => deps.getRun(p, r) }), store)));
  // GIVEN three finished executions whose steps wrote their documents (the last one's fit failed)
  for (const [i, runId] of runIds.entries()) {
    // The handler resolves parameters before startRun; this test starts runs directly with a value of its own.
    await deps.startRun({ pipeline: 'train', parameters: { i } as unknown as ResolvedParameters, runId });
    const e = mock.executions.get(`${SM.replace(':stateMachine:', ':execution:')}:${runId}`)!;
    e.startDate = new Date(Date.UTC(2026, 10, 30, 10 + i));
    e.stopDate = new Date(e.startDate.getTime() + 60_000);
    const failed = i === 2;
    e.status = failed ? 'FAILED' : 'SUCCEEDED';
    if (failed) e.cause = "Step 'fit' failed";
    const doc = (step: string, status: StepRunDocument['status'], extra: Partial<StepRunDocument> = {}): StepRunDocument => ({
      step, status, cacheKey: KEY, outputs: status === 'failed' ? {} : { out: DATA }, metrics: [{ name: 'loss', value: 1 / (i + 1) }], durationMs: 1000, startedAt: e.startDate.toISOString(), ...extra,
    });
    await store.putJson(runKey(runId, 'prepare'), doc('prepare', i === 0 ? 'ran' : 'reused', i === 0 ? {} : { savedMs: 1000, recordRunId: runIds[0] }));
    if (!failed) await store.putJson(runKey(runId, 'fit'), doc('fit', 'ran'));
  }
});

afterAll(async () => {
  await mock?.stop();
  await tmp?.cleanup();
});

describe('run history over Step Functions executions', () => {
  it('pages runs newest first with ListExecutions, summarizing each from its step documents', async () => {
    const first = await call('/pipelines/train/runs', { limit: '2' });
    expect(first.status).toBe(200);
    expect(first.body.runs.map((r: any) => [r.runId, r.status, r.trigger])).toEqual([
      [runIds[2], 'failed', 'api'],
      [runIds[1], 'succeeded', 'api'],
    ]);
    expect(first.body.runs[1]).toMatchObject({ parameters: { i: 1 }, steps: { ran: 1, reused: 1 }, savedMs: 1000, metrics: { 'fit.loss': 0.5, 'prepare.loss': 0.5 } });
    const second = await call('/pipelines/train/runs', { limit: '2', cursor: first.body.nextCursor });
    expect(second.body.runs.map((r: any) => r.runId)).toEqual([runIds[0]]);
    expect(second.body.nextCursor).toBeUndefined();
    expect(mock.callsOf('ListExecutions')[0]).toMatchObject({ stateMachineArn: SM, maxResults: 2 });
  });

  it('gives the run detail its DAG from the manifest of the version that ran', async () => {
    const r = await call(`/pipelines/train/runs/${runIds[2]}/detail`);
    expect(r.body.steps.fit).toMatchObject({ status: 'failed', upstream: ['prepare'] });
    expect(r.body.steps.prepare).toMatchObject({ status: 'reused', recordRunId: runIds[0] });
    expect(r.body.manifest).toMatch(/^sha256:/);
  });

  it('gives a step its metric series and finds lineage across executions', async () => {
    const step = await call(`/pipelines/train/runs/${runIds[0]}/steps/fit`);
    expect(step.body.metricSeries).toEqual([{ name: 'loss', value: 1 }]);
    const l = await call(`/lineage/${runIds[1]}.prepare.out`);
    expect(l.body.artifact).toBe(DATA);
    expect(l.body.producedBy.map((u: any) => `${u.runId}.${u.step}`)).toEqual([`${runIds[0]}.fit`, `${runIds[0]}.prepare`, `${runIds[1]}.fit`, `${runIds[1]}.prepare`, `${runIds[2]}.prepare`]);
  });

  it('answers 404 for a run no execution has', async () => {
    const r = await call('/pipelines/train/runs/20990101-000000-nope00/detail');
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/no run '20990101-000000-nope00'/);
  });

  it('tells API runs from scheduled ones by the execution name', () => {
    expect(triggerOfExecutionName('20261130-120000-00000c')).toBe('api');
    expect(triggerOfExecutionName(`k-${'a'.repeat(32)}`)).toBe('api');
    expect(triggerOfExecutionName('3f1c9a4e-2b7d-4c55-9a61-0d2e8f7b6a10')).toBe('schedule');
  });
});

/**
 * A stopped cloud run and its finally-only execution, as the API and `pipewright status` show them: the run
 * names the execution that ran its finally-steps, that execution names the run, and the run list shows the run
 * only. Step Functions is the MOCK in aws-mock.ts (see there for why); the store is a real filesystem store.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler, type ApiHandler } from '../../lib/api/handler';
import { createCloudDeps } from '../../lib/api/cloud-deps';
import { cloudRunSource, createRunHistory, withHistory } from '../../lib/api/history/index';
import { storeRegistry } from '../../lib/api/registry';
import { formatRunView } from '../../lib/cli/format-run';
import { runKey, stoppedRunFinallyKey, stoppedRunInput, type RegistryEntry, type StepRunDocument, type StoppedRunFinally } from '../../lib/protocol';
import type { ResolvedParameters } from '../../lib/spec';
import { createFsStore, type ArtifactStore, type Hash } from '../../lib/store';
import { MockAws } from './aws-mock';
import { tempDir } from './support';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:fin';
const AWS = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' } };
const RUN = '20261130-100000-00000a';
const FINALLY = '0b6e2c1a-5f3d-4e8b-9a7c-2d1e0f9a8b7c';
const arn = (name: string): string => `${SM.replace(':stateMachine:', ':execution:')}:${name}`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let store: ArtifactStore;
let mock: MockAws;
let handler: ApiHandler;

async function call(path: string) {
  const r = await handler({ method: 'GET', path, query: {}, headers: {} });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

beforeAll(async () => {
  tmp = await tempDir('pw-stopped-run-');
  store = createFsStore(tmp.dir);
  mock = new MockAws();
  await mock.start();
  const m = `sha256:${'3'.repeat(64)}` as Hash;
  const definition = JSON.stringify({ StartAt: 'Start', States: { Start: { Type: 'Pass', Parameters: { m }, End: true } } });
  const { aliasArn } = mock.addStateMachine(SM, [definition]);
  const entry: RegistryEntry = { v: 1, name: 'fin', stateMachineArn: SM, aliasArn, manifest: m, parameters: {}, steps: ['train', 'notify'] };
  await store.putJson('registry/fin.json', entry);
  const client = { endpoint: mock.endpoint, ...AWS };
  const sfn = new SFNClient(client);
  const registry = storeRegistry(store);
  const deps = createCloudDeps({ sfn, batch: new BatchClient(client), store, registry, jobQueues: [] });
  handler = createApiHandler(withHistory(deps, createRunHistory(cloudRunSource({ sfn, registry, getRun: (p, r) => deps.getRun(p, r) }), store)));
  // GIVEN a run that was stopped (ABORTED) ...
  for (const runId of [RUN, FINALLY]) await deps.startRun({ pipeline: 'fin', parameters: {} as ResolvedParameters, runId });
  const run = mock.executions.get(arn(RUN))!;
  Object.assign(run, { status: 'ABORTED', startDate: new Date(Date.UTC(2026, 10, 30, 10)), stopDate: new Date(Date.UTC(2026, 10, 30, 10, 5)) });
  // ... and the finally-only execution the stopped-run rule started for it, whose lookup named itself
  const fin = mock.executions.get(arn(FINALLY))!;
  Object.assign(fin, { status: 'SUCCEEDED', input: JSON.stringify(stoppedRunInput(arn(RUN))), startDate: new Date(Date.UTC(2026, 10, 30, 10, 6)), stopDate: new Date(Date.UTC(2026, 10, 30, 10, 7)) });
  const named: StoppedRunFinally = { execution: arn(FINALLY), at: '2026-11-30T10:06:01.000Z' };
  await store.putJson(stoppedRunFinallyKey(RUN), named);
  const notify: StepRunDocument = { step: 'notify', status: 'ran', cacheKey: `sha256:${'4'.repeat(64)}` as Hash, outputs: {}, metrics: [], durationMs: 2000 };
  await store.putJson(runKey(RUN, 'notify'), notify);
});

afterAll(async () => {
  await mock?.stop();
  await tmp?.cleanup();
});

describe('a stopped cloud run', () => {
  it('names the execution that ran its finally-steps, with their results among its steps', async () => {
    const { status, body } = await call(`/pipelines/fin/runs/${RUN}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'cancelled', finallyExecution: FINALLY, steps: { notify: { status: 'ran' }, train: { status: 'skipped' } } });
    expect(formatRunView(body)).toContain(`finally-steps ran in execution ${FINALLY}`);
  });

  it('its finally-only execution names the run, and is no run of its own in the list', async () => {
    const { body } = await call(`/pipelines/fin/runs/${FINALLY}`);
    expect(body.finallyOf).toBe(RUN);
    expect(formatRunView(body)).toContain(`only ran the finally-steps of the stopped run ${RUN}`);
    const list = await call('/pipelines/fin/runs');
    expect(list.body.runs.map((r: { runId: string }) => r.runId)).toEqual([RUN]);
  });
});

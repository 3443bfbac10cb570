/**
 * The run history routes (runs list with paging, run detail with DAG, step detail with logs and metric series,
 * explain, lineage) through a real `serve` over HTTP, with the local engine running small `sh -c` pipelines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../lib/serve';
import { http, serveForTest, tempDir, waitForRun, writeTestPipelines } from './support';

let tmp: { dir: string; cleanup: () => Promise<void> };
let server: RunningServer;
let base: string;
const runs: string[] = [];
let failedRun: string;

async function trigger(pipeline: string, parameters: Record<string, unknown>): Promise<string> {
  const r = await http(base, 'POST', `/pipelines/${pipeline}/runs`, { parameters });
  expect(r.status).toBe(202);
  await waitForRun(base, pipeline, r.body.runId);
  return r.body.runId;
}

beforeAll(async () => {
  tmp = await tempDir();
  const files = await writeTestPipelines(tmp.dir);
  server = await serveForTest([files.quick, files.failing], join(tmp.dir, 'store'));
  base = server.url;
  // GIVEN three runs of quick (the second reuses prepare, the third changes it) and one failed run
  runs.push(await trigger('quick', { label: 'a', epochs: 1 }));
  runs.push(await trigger('quick', { label: 'a', epochs: 2 }));
  runs.push(await trigger('quick', { label: 'b', epochs: 2 }));
  failedRun = await trigger('failing', {});
});

afterAll(async () => {
  await server?.close();
  await tmp?.cleanup();
});

describe('GET /pipelines/{name}/runs', () => {
  it('lists runs newest first with trigger, parameters, step counts, savings and last metrics', async () => {
    const r = await http(base, 'GET', '/pipelines/quick/runs');
    expect(r.status).toBe(200);
    expect(r.body.runs.map((x: any) => x.runId)).toEqual([...runs].reverse());
    const second = r.body.runs[1];
    expect(second).toMatchObject({
      pipeline: 'quick',
      status: 'succeeded',
      trigger: 'api',
      parameters: { label: 'a', epochs: 2 },
      steps: { ran: 1, reused: 1, failed: 0, skipped: 0, pending: 0 },
      metrics: { 'train.loss': 0.25 },
    });
    expect(second.savedMs).toBeGreaterThanOrEqual(0);
    expect(r.body.nextCursor).toBeUndefined();
  });

  it('pages with limit and cursor until the last page, which has no cursor', async () => {
    const first = await http(base, 'GET', '/pipelines/quick/runs?limit=2');
    expect(first.body.runs.map((x: any) => x.runId)).toEqual([runs[2], runs[1]]);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await http(base, 'GET', `/pipelines/quick/runs?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.runs.map((x: any) => x.runId)).toEqual([runs[0]]);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('answers 404 for an unknown pipeline and 400 for a bad limit', async () => {
    const unknown = await http(base, 'GET', '/pipelines/nope/runs');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/No pipeline named 'nope'.*pipewright runs/);
    const bad = await http(base, 'GET', '/pipelines/quick/runs?limit=-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/limit/);
  });

  it('GET /runs names the pipelines with runs or definitions', async () => {
    const r = await http(base, 'GET', '/runs');
    expect(r.body.pipelines).toEqual(['failing', 'quick']);
  });
});

describe('GET /pipelines/{name}/runs/{runId}/detail', () => {
  it('gives each step its state, upstream steps (the DAG), timings and the manifest', async () => {
    const r = await http(base, 'GET', `/pipelines/quick/runs/${runs[1]}/detail`);
    expect(r.status).toBe(200);
    expect(r.body.steps.prepare).toMatchObject({ status: 'reused', upstream: [], recordRunId: runs[0] });
    expect(r.body.steps.train).toMatchObject({ status: 'ran', upstream: ['prepare'], metrics: { loss: 0.25 } });
    expect(Date.parse(r.body.steps.train.startedAt)).toBeGreaterThanOrEqual(Date.parse(r.body.startedAt));
    expect(r.body.manifest).toMatch(/^sha256:/);
    expect(r.body.trigger).toBe('api');
  });

  it('marks the failed step failed and its dependent skipped because upstream failed; after edges join the DAG', async () => {
    const r = await http(base, 'GET', `/pipelines/failing/runs/${failedRun}/detail`);
    expect(r.body.status).toBe('failed');
    expect(r.body.steps.broken.status).toBe('failed');
    expect(r.body.steps.downstream).toMatchObject({ status: 'skipped', skipReason: 'upstream-failed', upstream: ['broken'] });
  });

  it('answers 404 naming the run and how to list runs', async () => {
    const r = await http(base, 'GET', '/pipelines/quick/runs/20990101-000000-000000/detail');
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/no run '20990101-000000-000000'.*pipewright runs quick/);
  });
});

describe('GET /pipelines/{name}/runs/{runId}/steps/{step}', () => {
  it('gives the full metric series, the logs, the key document and the exit code', async () => {
    const r = await http(base, 'GET', `/pipelines/quick/runs/${runs[0]}/steps/train`);
    expect(r.status).toBe(200);
    expect(r.body.metricSeries).toEqual([{ name: 'loss', value: 0.25 }]);
    expect(r.body.keyDocument.params).toEqual({ epochs: 1 });
    expect(r.body.exitCode).toBe(0);
    expect(r.body.logs).toEqual({ stdout: '', stderr: '', truncated: false });
  });

  it("serves a failed step's stderr on /logs", async () => {
    const r = await http(base, 'GET', `/pipelines/failing/runs/${failedRun}/steps/broken/logs`);
    expect(r.status).toBe(200);
    expect(r.body.stderr).toBe('boom\n');
  });

  it('answers 404 for an unknown step, listing the steps', async () => {
    const r = await http(base, 'GET', `/pipelines/quick/runs/${runs[0]}/steps/nope`);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/has no step 'nope'; its steps are: prepare, train/);
  });
});

describe('explain and lineage', () => {
  it('explains which key components differ between two runs, and says when keys are equal', async () => {
    const differs = await http(base, 'GET', `/pipelines/quick/runs/${runs[1]}/steps/train/explain/${runs[0]}`);
    expect(differs.body).toMatchObject({ verdict: 'differs', lines: ['param epochs: 1 → 2'] });
    const same = await http(base, 'GET', `/pipelines/quick/runs/${runs[1]}/steps/prepare/explain/${runs[0]}`);
    expect(same.body.verdict).toBe('same');
  });

  it('traces run.step.output to the runs that produced and consumed it', async () => {
    const r = await http(base, 'GET', `/lineage/${runs[0]}.prepare.data`);
    expect(r.status).toBe(200);
    // train copies its input, so its model has the same content hash: lineage is by content.
    expect(r.body.producedBy.map((u: any) => [u.runId, u.step, u.name, u.status])).toEqual([
      [runs[0], 'prepare', 'data', 'ran'],
      [runs[0], 'train', 'model', 'ran'],
      [runs[1], 'prepare', 'data', 'reused'],
      [runs[1], 'train', 'model', 'ran'],
    ]);
    expect(r.body.consumedBy.map((u: any) => [u.runId, u.step, u.name])).toEqual([
      [runs[0], 'train', 'data'],
      [runs[1], 'train', 'data'],
    ]);
    // The same through the artifact hash
    const byHash = await http(base, 'GET', `/lineage/${encodeURIComponent(r.body.artifact)}`);
    expect(byHash.body.producedBy).toEqual(r.body.producedBy);
  });

  it('answers 404 for an unknown artifact, run or output', async () => {
    const hash = await http(base, 'GET', `/lineage/sha256:${'0'.repeat(64)}`);
    expect(hash.status).toBe(404);
    expect(hash.body.error).toMatch(/No artifact sha256:0+/);
    const output = await http(base, 'GET', `/lineage/${runs[0]}.prepare.nope`);
    expect(output.status).toBe(404);
    expect(output.body.error).toMatch(/no output 'nope'; its outputs are: data/);
  });
});

describe('older run documents', () => {
  it('renders what a run recorded before manifests, triggers and step documents existed', async () => {
    // GIVEN a run document with only the early fields and no step documents
    const store = join(tmp.dir, 'store');
    await mkdir(join(store, 'runs'), { recursive: true });
    await writeFile(
      join(store, 'runs', '20200101-000000-000old.json'),
      JSON.stringify({ runId: '20200101-000000-000old', pipeline: 'quick', status: 'succeeded', parameters: { label: 'x' }, startedAt: '2020-01-01T00:00:00.000Z', durationMs: 1200, steps: { prepare: { status: 'ran', durationMs: 5 } } }),
    );
    // WHEN / THEN the list, the detail and the step answer without failing
    const list = await http(base, 'GET', '/pipelines/quick/runs');
    expect(list.body.runs.at(-1)).toMatchObject({ runId: '20200101-000000-000old', steps: { ran: 1, skipped: 1 } });
    const detail = await http(base, 'GET', '/pipelines/quick/runs/20200101-000000-000old/detail');
    expect(detail.status).toBe(200);
    expect(detail.body.steps.prepare).toMatchObject({ status: 'ran', upstream: [] });
    const step = await http(base, 'GET', '/pipelines/quick/runs/20200101-000000-000old/steps/prepare');
    expect(step.status).toBe(200);
    expect(step.body.metricSeries).toEqual([]);
  });
});

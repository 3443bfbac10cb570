/**
 * The trigger API handlers driven through a real `serve` instance (in-process, port 0) over real HTTP, with the
 * local engine running small `sh -c` pipelines.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../lib/serve';
import { alive, eventually, http, serveForTest, tempDir, waitForRun, writeTestPipelines } from './support';

let tmp: { dir: string; cleanup: () => Promise<void> };
let files: { quick: string; slow: string; failing: string };
let server: RunningServer;
let base: string;

beforeAll(async () => {
  tmp = await tempDir();
  files = await writeTestPipelines(tmp.dir);
  server = await serveForTest([files.quick, files.slow, files.failing], join(tmp.dir, 'store'));
  base = server.url;
});

afterAll(async () => {
  await server?.close();
  await tmp?.cleanup();
});

/** Every error body is JSON `{ error, problems? }`, never a stack trace. */
function expectJsonError(r: { text: string; body: any; headers: Headers }): void {
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
  expect(typeof r.body.error).toBe('string');
  expect(r.text).not.toMatch(/\n\s+at /);
}

describe('GET /pipelines', () => {
  it('lists each pipeline with its description, versions, steps and parameter JSON Schema', async () => {
    // WHEN
    const r = await http(base, 'GET', '/pipelines');
    // THEN
    expect(r.status).toBe(200);
    const quick = r.body.pipelines.find((p: any) => p.name === 'quick');
    expect(r.body.pipelines.map((p: any) => p.name).sort()).toEqual(['failing', 'quick', 'slow']);
    expect(quick).toEqual({
      name: 'quick',
      description: 'Two fast steps',
      versions: [],
      steps: ['prepare', 'train'],
      parameters: {
        type: 'object',
        properties: {
          epochs: { type: 'integer', default: 10, minimum: 1, maximum: 1000 },
          rate: { type: 'number', default: 0.5 },
          mode: { type: 'string', default: 'fast', enum: ['fast', 'slow'] },
          label: { type: 'string', description: 'required' },
          dry: { type: 'boolean', default: false },
        },
        required: ['label'],
        additionalProperties: false,
      },
    });
  });
});

describe('POST /pipelines/{name}/runs', () => {
  it('starts a run (202) that can be polled to succeeded, with per-step status, metrics and timings', async () => {
    // WHEN
    const r = await http(base, 'POST', '/pipelines/quick/runs', { parameters: { label: 'first', epochs: '20', dry: 'true' } });
    // THEN
    expect(r.status).toBe(202);
    expect(r.body.runId).toMatch(/^\d{8}-\d{6}-\d{3}[0-9a-f]{3}$/);
    expect(r.body.statusUrl).toBe(`${base}/pipelines/quick/runs/${r.body.runId}`);
    const done = await waitForRun(base, 'quick', r.body.runId);
    expect(done.status).toBe('succeeded');
    expect(done.parameters).toEqual({ epochs: 20, rate: 0.5, mode: 'fast', label: 'first', dry: true });
    expect(done.steps.prepare.status).toBe('ran');
    expect(done.steps.train.status).toBe('ran');
    expect(done.steps.train.metrics).toEqual({ loss: 0.25 });
    expect(done.steps.train.cacheKey).toMatch(/^sha256:/);
    expect(typeof done.steps.train.durationMs).toBe('number');
    expect(typeof done.durationMs).toBe('number');
    expect(done.finishedAt).toBeDefined();

    // AND a second run with the same parameters reuses both steps
    const again = await http(base, 'POST', '/pipelines/quick/runs', { parameters: { label: 'first', epochs: 20 } });
    expect(again.status).toBe(202);
    expect(again.body.runId).not.toBe(r.body.runId);
    const reused = await waitForRun(base, 'quick', again.body.runId);
    expect(reused.steps).toMatchObject({ prepare: { status: 'reused' }, train: { status: 'reused' } });
  });

  it('lists every parameter problem in a 400, each naming the parameter', async () => {
    // WHEN: unknown, wrong type, not in the enum, out of range, and the required one missing
    const r = await http(base, 'POST', '/pipelines/quick/runs', {
      parameters: { epochs: 5000, rate: 'fast', mode: 'medium', dry: 'yes', color: 'red' },
    });
    // THEN
    expect(r.status).toBe(400);
    expectJsonError(r);
    const problems: string[] = r.body.problems;
    expect(problems).toHaveLength(6);
    expect(problems.find((p) => p.includes('"color"'))).toMatch(/unknown parameter/);
    expect(problems.find((p) => p.includes('"epochs"'))).toMatch(/<= 1000/);
    expect(problems.find((p) => p.includes('"rate"'))).toMatch(/expected a number/);
    expect(problems.find((p) => p.includes('"mode"'))).toMatch(/one of "fast", "slow"/);
    expect(problems.find((p) => p.includes('"dry"'))).toMatch(/true or false/);
    expect(problems.find((p) => p.includes('"label"'))).toMatch(/required/);
  });

  it('rejects a JSON value of the wrong type (a number for a string parameter, a fraction for an integer)', async () => {
    const r = await http(base, 'POST', '/pipelines/quick/runs', { parameters: { label: 5, epochs: 1.5 } });
    expect(r.status).toBe(400);
    expect(r.body.problems).toHaveLength(2);
    expect(r.body.problems.join('\n')).toMatch(/"label".*expected a string/);
    expect(r.body.problems.join('\n')).toMatch(/"epochs".*whole number/);
  });

  it('answers 400 naming the field for malformed JSON and wrong body shapes', async () => {
    const cases: [string, RegExp][] = [
      ['{"parameters": {', /not valid JSON/],
      ['[1, 2]', /must be a JSON object; received an array/],
      ['{"parameters": {"label": "x"}, "priority": 1}', /priority: unknown field/],
      ['{"parameters": ["label=x"]}', /parameters: expected an object/],
      ['{"parameters": {"label": "x"}, "version": 1.5}', /version: expected a positive whole number/],
      ['{"parameters": {"label": "x"}, "version": "3"}', /version: expected a positive whole number/],
      ['{"parameters": {"label": "x"}, "idempotencyKey": 7}', /idempotencyKey: expected a non-empty string/],
    ];
    for (const [body, message] of cases) {
      const r = await http(base, 'POST', '/pipelines/quick/runs', body);
      expect(r.status, body).toBe(400);
      expectJsonError(r);
      expect(r.body.error, body).toMatch(message);
    }
  });

  it('answers 404 for an unknown pipeline and for a version (serve has no published versions)', async () => {
    const unknown = await http(base, 'POST', '/pipelines/nope/runs', { parameters: {} });
    expect(unknown.status).toBe(404);
    expectJsonError(unknown);
    expect(unknown.body.error).toMatch(/No pipeline named 'nope'/);
    const version = await http(base, 'POST', '/pipelines/quick/runs', { parameters: { label: 'x' }, version: 3 });
    expect(version.status).toBe(404);
    expect(version.body.error).toMatch(/has no version 3/);
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const r = await http(base, 'POST', '/pipelines/quick/runs', { parameters: { label: 'x'.repeat(70 * 1024) } });
    expect(r.status).toBe(413);
    expectJsonError(r);
  });

  it('returns the same run for the same idempotency key, a new one for another key or pipeline', async () => {
    // WHEN: the same key twice, concurrently, then once more
    const body = { parameters: { label: 'idem' }, idempotencyKey: 'nightly-2026-11-27' };
    const [a, b] = await Promise.all([http(base, 'POST', '/pipelines/quick/runs', body), http(base, 'POST', '/pipelines/quick/runs', body)]);
    const c = await http(base, 'POST', '/pipelines/quick/runs', { ...body, parameters: { label: 'different' } });
    // THEN one run was started and the others returned it
    expect([a.status, b.status].sort()).toEqual([200, 202]);
    expect(b.body.runId).toBe(a.body.runId);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ runId: a.body.runId, existing: true });
    const other = await http(base, 'POST', '/pipelines/quick/runs', { ...body, idempotencyKey: 'another' });
    expect(other.status).toBe(202);
    expect(other.body.runId).not.toBe(a.body.runId);
    const otherPipeline = await http(base, 'POST', '/pipelines/failing/runs', { idempotencyKey: body.idempotencyKey });
    expect(otherPipeline.status).toBe(202);
    expect(otherPipeline.body.runId).not.toBe(a.body.runId);
    await waitForRun(base, 'failing', otherPipeline.body.runId);
    // AND the map is persisted in the store
    await waitForRun(base, 'quick', a.body.runId);
    await waitForRun(base, 'quick', other.body.runId);
    const restarted = await serveForTest([files.quick], join(tmp.dir, 'store'), { schedules: false });
    try {
      const d = await http(restarted.url, 'POST', '/pipelines/quick/runs', body);
      expect(d.status).toBe(200);
      expect(d.body.runId).toBe(a.body.runId);
      const view = await http(restarted.url, 'GET', `/pipelines/quick/runs/${a.body.runId}`);
      expect(view.body.status).toBe('succeeded');
    } finally {
      await restarted.close();
    }
  });
});

describe('GET /pipelines/{name}/runs/{runId}', () => {
  it('reports a failed step and skips its dependents', async () => {
    const r = await http(base, 'POST', '/pipelines/failing/runs', {});
    expect(r.status).toBe(202);
    const done = await waitForRun(base, 'failing', r.body.runId);
    expect(done.status).toBe('failed');
    expect(done.steps.broken.status).toBe('failed');
    expect(done.steps.downstream.status).toBe('skipped');
  });

  it('answers 404 for an unknown run, a run of another pipeline, and an unknown pipeline', async () => {
    const started = await http(base, 'POST', '/pipelines/failing/runs', {});
    await waitForRun(base, 'failing', started.body.runId);
    for (const path of ['/pipelines/quick/runs/20200101-000000-000abc', `/pipelines/quick/runs/${started.body.runId}`, '/pipelines/nope/runs/x', '/pipelines/quick/runs/bad%20id']) {
      const r = await http(base, 'GET', path);
      expect(r.status, path).toBe(404);
      expectJsonError(r);
    }
  });
});

describe('routing', () => {
  it('answers 405 with Allow for unsupported methods and 404 for unknown routes', async () => {
    const put = await http(base, 'PUT', '/pipelines');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET');
    expectJsonError(put);
    const putRuns = await http(base, 'PUT', '/pipelines/quick/runs');
    expect(putRuns.status).toBe(405);
    expect(putRuns.headers.get('allow')).toBe('GET, POST');
    const patch = await http(base, 'PATCH', '/pipelines/quick/runs/abc');
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, DELETE');
    const unknown = await http(base, 'GET', '/nothing/here');
    expect(unknown.status).toBe(404);
    expectJsonError(unknown);
  });
});

describe('DELETE /pipelines/{name}/runs/{runId}', () => {
  it('cancels a long-running run: its step process is killed and the run ends cancelled; a second DELETE is 409', async () => {
    // GIVEN a run whose step sleeps 30 s
    const r = await http(base, 'POST', '/pipelines/slow/runs', {});
    expect(r.status).toBe(202);
    const pidFile = join(tmp.dir, 'slow.pid');
    const pid = await eventually(async () => Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined, 30_000, 'the step to start');
    expect(alive(pid)).toBe(true);
    const running = await http(base, 'GET', `/pipelines/slow/runs/${r.body.runId}`);
    expect(running.body.status).toBe('running');
    expect(running.body.steps).toMatchObject({ wait: { status: 'running' }, after: { status: 'pending' } });
    // WHEN
    const del = await http(base, 'DELETE', `/pipelines/slow/runs/${r.body.runId}`);
    // THEN
    expect(del.status).toBe(202);
    expect(del.body.runId).toBe(r.body.runId);
    expect(['cancelling', 'cancelled']).toContain(del.body.status);
    const done = await waitForRun(base, 'slow', r.body.runId);
    expect(done.status).toBe('cancelled');
    expect(done.steps.after.status).toBe('skipped');
    await eventually(() => (alive(pid) ? undefined : true), 10_000, 'the step process to exit');
    const again = await http(base, 'DELETE', `/pipelines/slow/runs/${r.body.runId}`);
    expect(again.status).toBe(409);
    expect(again.body.status).toBe('cancelled');
    expectJsonError(again);
  });

  it('answers 404 for an unknown run', async () => {
    const r = await http(base, 'DELETE', '/pipelines/slow/runs/20200101-000000-000abc');
    expect(r.status).toBe(404);
    expectJsonError(r);
  });
});

/**
 * Issue 8 §2: `pipewright serve` cannot be driven by a web page (CSRF, DNS rebinding), builds URLs from its bound
 * address, and reads a stored run whose process died as failed, as `show` does.
 *
 * Browsers send a cross-origin POST without a CORS preflight only with a "simple" content type (text/plain,
 * application/x-www-form-urlencoded, multipart/form-data) — Fetch standard, "CORS-safelisted request-header";
 * they always send the page's Origin on such requests, and DNS rebinding shows up as a foreign Host.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../lib/serve';
import { createFsStore } from '../../lib/store';
import { serveForTest, tempDir, writeTestPipelines } from './support';

let tmp: { dir: string; cleanup: () => Promise<void> };
let server: RunningServer;

beforeAll(async () => {
  tmp = await tempDir('pw-guard-');
  const files = await writeTestPipelines(tmp.dir);
  server = await serveForTest([files.quick], join(tmp.dir, 'store'), { schedules: false });
});
afterAll(async () => {
  await server?.close();
  await tmp?.cleanup();
});

/** A raw request with exactly these headers (fetch would not let a test set Host). */
function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const own = () => `127.0.0.1:${server.port}`;
const START = JSON.stringify({ parameters: { label: 'x' } });

describe('serve refuses what a web page could send', () => {
  it('refuses a text/plain or form body (a CSRF "simple request") with 415, starting nothing', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await raw('POST', '/pipelines/quick/runs', { host: own(), 'content-type': type }, START);
      expect(r.status).toBe(415);
      expect(r.body.error).toMatch(/Content-Type: application\/json/);
    }
    expect(server.deps.activeRuns()).toEqual([]);
  });

  it('refuses a foreign Origin, even with a JSON body', async () => {
    const r = await raw('POST', '/pipelines/quick/runs', { host: own(), origin: 'https://evil.example', 'content-type': 'application/json' }, START);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/Origin "https:\/\/evil\.example" may not call this server/);
    const get = await raw('GET', '/pipelines', { host: own(), origin: 'http://evil.example:' + server.port });
    expect(get.status).toBe(403);
  });

  it('refuses a Host that is not its own (DNS rebinding), on reads too', async () => {
    const r = await raw('GET', '/pipelines', { host: `evil.example:${server.port}` });
    expect(r.status).toBe(421);
    expect(r.body.error).toMatch(/does not name this server/);
    expect((await raw('GET', '/pipelines', { host: `127.0.0.1:${server.port + 1}` })).status).toBe(421);
  });

  it('accepts its own Host and Origin, and builds statusUrl from the bound address', async () => {
    const r = await raw('POST', '/pipelines/quick/runs', { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}`, 'content-type': 'application/json; charset=utf-8' }, START);
    expect(r.status).toBe(202);
    expect(r.body.statusUrl).toBe(`${server.url}/pipelines/quick/runs/${r.body.runId}`);
    expect((await raw('GET', '/pipelines', { host: own() })).status).toBe(200);
  });
});

describe('a stored run whose process died', () => {
  it('reads as failed (not running forever), and DELETE says it already finished', async () => {
    // GIVEN a run document left `running` by a process that is gone (an earlier serve, killed)
    const child = spawn('true');
    const pid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    const runId = '20261130-000000-000abc';
    await createFsStore(join(tmp.dir, 'store')).putJson(`runs/${runId}.json`, {
      runId, pipeline: 'quick', status: 'running', parameters: {}, startedAt: new Date().toISOString(), durationMs: 0,
      steps: {}, store: join(tmp.dir, 'store'), manifest: 'sha256:' + '0'.repeat(64), owner: { host: hostname(), pid },
    });
    // WHEN it is read and cancelled through the API
    const got = await raw('GET', `/pipelines/quick/runs/${runId}`, { host: own() });
    const del = await raw('DELETE', `/pipelines/quick/runs/${runId}`, { host: own() });
    // THEN
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('failed');
    expect(del.status).toBe(409);
    expect(del.body.status).toBe('failed');
  });
});

/**
 * Helpers for the trigger API tests: tiny `sh -c` pipelines in temp dirs, an in-process `serve`, HTTP calls.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../lib/serve';
import type { PipelineIR } from '../../lib/ir/types';
import { loadPipeline } from '../../lib/spec';
import { createFsStore } from '../../lib/store';

/** A temp directory removed by `cleanup`. */
export async function tempDir(prefix = 'pw-api-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The test pipelines: `quick` (two fast steps, every parameter type, one required), `slow` (a step that writes
 * its pid to `<dir>/slow.pid` then sleeps 30 s), `failing` (a step exiting 3 and a dependent).
 */
export async function writeTestPipelines(dir: string): Promise<{ quick: string; slow: string; failing: string }> {
  const quick = join(dir, 'quick.yaml');
  await writeFile(
    quick,
    `name: quick
description: Two fast steps
parameters:
  epochs: { type: integer, default: 10, minimum: 1, maximum: 1000 }
  rate: { type: number, default: 0.5 }
  mode: { type: string, enum: [fast, slow], default: fast }
  label: { type: string, description: required }
  dry: { type: boolean, default: false }
steps:
  prepare:
    command: [sh, -c, 'echo "$PW_PARAM_LABEL" > "$PW_OUTPUT_DATA"']
    params: [label]
    outputs: [data]
  train:
    command: [sh, -c, 'cat "$PW_INPUT_DATA" > "$PW_OUTPUT_MODEL"; echo "{\\"name\\":\\"loss\\",\\"value\\":0.25}" >> "$PW_METRICS"']
    inputs: { data: prepare.data }
    params: [epochs]
    outputs: [model]
`,
  );
  const slow = join(dir, 'slow.yaml');
  await writeFile(
    slow,
    `name: slow
steps:
  wait:
    command: [sh, -c, 'echo $$ > ${join(dir, 'slow.pid')}; exec sleep 30']
    cache: false
  after:
    command: [sh, -c, 'true']
    after: [wait]
`,
  );
  const failing = join(dir, 'failing.yaml');
  await writeFile(
    failing,
    `name: failing
steps:
  broken:
    command: [sh, -c, 'echo boom >&2; exit 3']
  downstream:
    command: [sh, -c, 'true']
    after: [broken]
`,
  );
  return { quick, slow, failing };
}

/** Loads definition files into IR. */
export async function loadAll(files: readonly string[]): Promise<PipelineIR[]> {
  return Promise.all(files.map((f) => loadPipeline(f)));
}

/** Starts `serve` in-process on a free loopback port with a filesystem store in `storeDir`. */
export async function serveForTest(
  files: readonly string[],
  storeDir: string,
  options: Partial<ServerOptions> = {},
): Promise<RunningServer> {
  return startServer({ pipelines: await loadAll(files), store: createFsStore(storeDir), port: 0, concurrency: 2, ...options });
}

/** A parsed HTTP response. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

/** Sends one request to a server; `body` is sent as is when a string, else as JSON. */
export async function http(base: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Polls `GET …/runs/{runId}` until the run is no longer `running` (at most `timeoutMs`). */
export async function waitForRun(base: string, pipeline: string, runId: string, timeoutMs = 60_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await http(base, 'GET', `/pipelines/${pipeline}/runs/${runId}`);
    if (r.status !== 200) throw new Error(`status ${r.status}: ${r.text}`);
    if (r.body.status !== 'running') return r.body;
    if (Date.now() > end) throw new Error(`run ${runId} still running after ${timeoutMs} ms: ${r.text}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Waits until `check` returns a value (polling every 100 ms, at most `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Whether a process id is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

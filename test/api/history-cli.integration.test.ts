/**
 * The history commands as real subprocesses: `runs <pipeline>` and `runs --api` (paged), `compare`, `metrics`,
 * `lineage`, `report --html`, `graph --run`, `show` with readable metrics, and their not-found errors (exit 2).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../lib/serve';
import { http, serveForTest, tempDir, waitForRun, writeTestPipelines } from './support';

const BIN = resolve(__dirname, '../../bin/pipewright');

let tmp: { dir: string; cleanup: () => Promise<void> };
let files: { quick: string; slow: string; failing: string };
let server: RunningServer;
let store: string;
const runs: string[] = [];

function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  delete env.PIPEWRIGHT_STORE;
  return new Promise((res, rej) => {
    const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  tmp = await tempDir();
  files = await writeTestPipelines(tmp.dir);
  store = join(tmp.dir, 'store');
  server = await serveForTest([files.quick, files.failing], store, { schedules: false });
  for (const [label, epochs] of [['a', 1], ['a', 2], ['b', 3]] as const) {
    const r = await http(server.url, 'POST', '/pipelines/quick/runs', { parameters: { label, epochs } });
    await waitForRun(server.url, 'quick', r.body.runId);
    runs.push(r.body.runId);
  }
});

afterAll(async () => {
  await server?.close();
  await tmp?.cleanup();
});

describe('runs', () => {
  it('runs --api pages through a pipeline, newest first, printing the next page command', async () => {
    const first = await cli(['runs', 'quick', '--api', server.url, '--limit', '2']);
    expect(first.code).toBe(0);
    const ids = (out: string) => out.split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter((id) => /^\d{8}-/.test(id));
    expect(ids(first.stdout)).toEqual([runs[2], runs[1]]);
    expect(first.stdout).toMatch(/TRIGGER.*SAVED.*PARAMETERS/);
    const cursor = /--cursor '([^']+)'/.exec(first.stdout)![1];
    const second = await cli(['runs', 'quick', '--api', server.url, '--limit', '2', '--cursor', cursor]);
    expect(ids(second.stdout)).toEqual([runs[0]]);
    expect(second.stdout).not.toMatch(/--cursor/);
  });

  it('runs <pipeline> reads the local store the same way; an unknown pipeline exits 2 naming the list command', async () => {
    const local = await cli(['runs', 'quick', '--store', store, '--json']);
    expect(JSON.parse(local.stdout).runs.map((r: any) => r.runId)).toEqual([...runs].reverse());
    const unknown = await cli(['runs', 'nope', '--api', server.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No pipeline named 'nope'.*pipewright runs/);
  });
});

describe('compare, metrics, lineage', () => {
  it('compare shows differing parameters and explains differing steps', async () => {
    const r = await cli(['compare', runs[0], runs[2], '--store', store]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/epochs\s+1\s+3\s+\*/);
    expect(r.stdout).toMatch(/label\s+a\s+b\s+\*/);
    expect(r.stdout).toMatch(/train\s+ran\s+ran\s+differs\s+input data: sha256:[0-9a-f]{8}… → sha256:[0-9a-f]{8}…/);
    expect(r.stdout).toMatch(/param epochs: 1 → 3/);
    const same = await cli(['compare', runs[0], runs[1], '--store', store, '--json']);
    const steps = JSON.parse(same.stdout).steps;
    expect(steps.find((s: any) => s.name === 'prepare')).toMatchObject({ a: 'ran', b: 'reused', sameKey: true });
    // The same through the API
    const api = await cli(['compare', runs[0], runs[1], '--api', server.url, '--json']);
    expect(JSON.parse(api.stdout).steps).toEqual(steps);
  });

  it('compare names an unknown run and the command that lists runs (exit 2)', async () => {
    const r = await cli(['compare', runs[0], '20990101-000000-nope00', '--store', store]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`No run '20990101-000000-nope00' in the store at ${store}; list runs with 'pipewright runs --store ${store}'`);
  });

  it('metrics follows a metric over the runs, oldest first; an unknown metric lists the known ones', async () => {
    const r = await cli(['metrics', 'quick', 'loss', '--store', store, '--json']);
    expect(JSON.parse(r.stdout).map((p: any) => [p.runId, p.metric, p.value])).toEqual(runs.map((id) => [id, 'train.loss', 0.25]));
    const text = await cli(['metrics', 'quick', 'train.loss', '--api', server.url]);
    expect(text.stdout).toMatch(/^train\.loss over 3 run\(s\) of quick: /);
    const unknown = await cli(['metrics', 'quick', 'accuracy', '--store', store]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/logged a metric 'accuracy'; metrics logged: train\.loss/);
  });

  it('lineage lists producers and consumers of run.step.output; an unknown output exits 2', async () => {
    const r = await cli(['lineage', `${runs[0]}.prepare.data`, '--store', store, '--json']);
    const l = JSON.parse(r.stdout);
    expect(l.consumedBy.map((u: any) => `${u.runId}.${u.step}.${u.name}`)).toEqual([`${runs[0]}.train.data`, `${runs[1]}.train.data`]);
    const bad = await cli(['lineage', `${runs[0]}.prepare.nope`, '--store', store]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no output 'nope'; its outputs are: data/);
  });
});

describe('report, graph --run, show', () => {
  it('report --html writes one self-contained file with the run inlined', async () => {
    const file = join(tmp.dir, 'run.html');
    const r = await cli(['report', runs[1], '--html', file, '--store', store]);
    expect(r.code).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html).toContain(`"runId":"${runs[1]}"`);
    expect(html).not.toMatch(/<script[^>]+src=/);
    const missing = await cli(['report', 'nope', '--html', file, '--store', store]);
    expect(missing.code).toBe(2);
  });

  it('graph --run colours each step by its state in the run', async () => {
    const r = await cli(['graph', files.quick, '--run', runs[1], '--store', store]);
    expect(r.stdout).toMatch(/\["prepare: reused"\]:::reused/);
    expect(r.stdout).toMatch(/\["train: ran"\]:::ran/);
    expect(r.stdout).toContain('classDef reused');
    const dot = await cli(['graph', files.quick, '--run', runs[1], '--store', store, '--format', 'dot']);
    expect(dot.stdout).toMatch(/label="prepare: reused".*fillcolor="#cffafe"/);
    const unknown = await cli(['graph', files.quick, '--run', 'nope', '--store', store]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/has no run 'nope'.*pipewright runs quick/);
  });

  it('show prints one metric per line under its step', async () => {
    const r = await cli(['show', runs[0], '--store', store]);
    expect(r.stdout).toMatch(/STEP\s+METRIC\s+LAST\s+SERIES\n\s*train\s+loss\s+0\.25/);
  });
});

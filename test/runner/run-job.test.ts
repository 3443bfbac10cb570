import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunFailedError } from '../../lib/errors';
import type { PipelineIR, StepIR } from '../../lib/ir/types';
import { readStepRecord, type StepRunDocument } from '../../lib/protocol';
import { detectGpus, envSuffix, parseMetrics, runJob, type RunJobOptions } from '../../lib/runner';
import { lookup, pipeline, type Sandbox, sandbox, step } from '../reuse/fixtures';

let sb: Sandbox;
let work: string;
beforeEach(async () => {
  sb = await sandbox();
  work = join(sb.dir, 'work');
  await sb.write({ 'work/.keep': '', 'code/hello.txt': 'hello from code\n', 'code/sub/other.txt': 'other\n', 'data/in.txt': 'input file\n', 'data/dir/a.txt': 'A\n' });
});
afterEach(async () => sb.cleanup());

/** Looks up step `name` of `ir` and runs its job. */
async function run(ir: PipelineIR, name: string, p: Record<string, string | number | boolean> = {}, opts: Partial<RunJobOptions> = {}) {
  const r = await lookup(sb.store, ir, name, { p, x: 'arn:aws:states:local:0:execution:demo:run-1' });
  expect(r.run).toBe(true);
  return { key: r.key, record: runJob({ store: sb.store, job: r.job!, workRoot: work, ...opts }) };
}
/** Whether a process has ended (gone, or a zombie its new parent has not reaped yet). */
async function isGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (st === undefined || / Z /.test(st.slice(st.lastIndexOf(')')))) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
const sh = (name: string, script: string, over: Partial<StepIR> = {}): StepIR => step(name, { command: ['sh', '-c', script], ...over });

describe('envSuffix', () => {
  it('upper-cases and turns every non-alphanumeric character into _', () => {
    expect(envSuffix('learning-rate.v2')).toBe('LEARNING_RATE_V2');
    expect(envSuffix('model')).toBe('MODEL');
  });
});

describe('runJob: the step contract', () => {
  it('gives the step its inputs, outputs, parameters and identity through env and files', async () => {
    const script = [
      'set -e',
      'cat "$PW_INPUT_RAW_DATA" > "$PW_OUTPUT_REPORT"',
      'cat "$PW_INPUTS/raw-data" >> "$PW_OUTPUT_REPORT"',
      'cat "$PW_INPUT_FOLDER/a.txt" >> "$PW_OUTPUT_REPORT"',
      'cat hello.txt sub/other.txt >> "$PW_OUTPUT_REPORT"',
      'echo "$PW_PARAM_LR|$PW_PARAM_EPOCHS|$PW_PARAM_SPLIT|$PW_PARAM_FAST|$PW_STEP|$PW_RUN_ID|$PW_PIPELINE|$PW_GPUS|$MY_ENV|${PIPEWRIGHT_STORE:-unset}" >> "$PW_OUTPUT_REPORT"',
      '[ "$PW_OUTPUT_REPORT" = "$PW_OUTPUTS/report" ]',
      'cp "$PW_PARAMS" "$PW_OUTPUTS/params"',
      'mkdir "$PW_OUTPUT_TREE_OUT" && echo x > "$PW_OUTPUT_TREE_OUT/x.txt"',
    ].join('\n');
    const ir = pipeline([
      sh('check', script, {
        code: join(sb.dir, 'code'),
        env: { MY_ENV: 'mine' },
        inputs: { 'raw-data': { kind: 'path', path: join(sb.dir, 'data/in.txt') }, folder: { kind: 'path', path: join(sb.dir, 'data/dir') } },
        params: ['epochs', 'fast', 'lr', 'split'],
        outputs: ['report', 'params', 'tree_out'],
      }),
    ]);
    process.env.PIPEWRIGHT_STORE = join(sb.dir, 'store');
    try {
      const { record } = await run(ir, 'check', { lr: 0.5, epochs: 300, split: 'stratified', fast: true, other: 'x' });
      const rec = await record;
      const report = (await sb.store.getBytes(rec.outputs.report as `sha256:${string}`)).toString();
      expect(report).toBe('input file\ninput file\nA\nhello from code\nother\n0.5|300|stratified|true|check|run-1|demo|0|mine|unset\n');
      const params = JSON.parse((await sb.store.getBytes(rec.outputs.params as `sha256:${string}`)).toString());
      expect(params).toEqual({ epochs: 300, fast: true, lr: 0.5, split: 'stratified' });
      expect(rec.outputs.tree_out).toMatch(/^tree:sha256:/);
    } finally {
      delete process.env.PIPEWRIGHT_STORE;
    }
  });

  it('lets extra env (e.g. the GPUs the engine assigned) override the contract defaults', async () => {
    const ir = pipeline([sh('g', 'echo "$CUDA_VISIBLE_DEVICES/$PW_GPUS" > "$PW_OUTPUT_O"', { outputs: ['o'], compute: { vcpus: 1, memory: 1, gpus: 2, queue: 'gpu' } })]);
    const rec = await (await run(ir, 'g', {}, { env: { CUDA_VISIBLE_DEVICES: '0,1', PW_GPUS: '2' } })).record;
    expect((await sb.store.getBytes(rec.outputs.o as `sha256:${string}`)).toString()).toBe('0,1/2\n');
  });

  it('stores stdout, stderr and metrics with the record, warning about malformed metrics lines', async () => {
    const script = [
      'echo to-stdout',
      'echo to-stderr >&2',
      `echo '{"name":"loss","value":0.5,"step":1}' >> "$PW_METRICS"`,
      `echo 'not json' >> "$PW_METRICS"`,
      `echo '{"name":"accuracy","value":0.97}' >> "$PW_METRICS"`,
      `echo '{"name":"bad","value":"high"}' >> "$PW_METRICS"`,
    ].join('\n');
    const warnings: string[] = [];
    const streamed: string[] = [];
    const { key, record } = await run(pipeline([sh('m', script)]), 'm', {}, {
      onWarning: (w) => warnings.push(w),
      onOutput: (s, c) => streamed.push(`${s}:${c.toString()}`),
    });
    const rec = await record;
    expect(rec.key).toBe(key);
    expect(rec.metrics).toEqual([
      { name: 'loss', value: 0.5, step: 1 },
      { name: 'accuracy', value: 0.97 },
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/metrics line 2 ignored/);
    expect((await sb.store.getBytes(rec.stdout)).toString()).toBe('to-stdout\n');
    const stderr = (await sb.store.getBytes(rec.stderr)).toString();
    expect(stderr).toMatch(/^to-stderr\npipewright: metrics line 2 ignored.*\npipewright: metrics line 4 ignored/);
    expect(streamed.join('')).toContain('stdout:to-stdout\n');
    expect(await readStepRecord(sb.store, key)).toEqual(rec);
    const doc = await sb.store.getJson<StepRunDocument>('runs/run-1/m.json');
    expect(doc).toMatchObject({ step: 'm', status: 'ran', cacheKey: key, metrics: rec.metrics, stdout: rec.stdout, stderr: rec.stderr });
  });

  it('captures large output completely', async () => {
    const { record } = await run(pipeline([sh('loud', 'head -c 3000000 /dev/zero | tr "\\0" a; echo; echo end >&2')]), 'loud');
    const rec = await record;
    const out = await sb.store.getBytes(rec.stdout);
    expect(out.length).toBe(3_000_001);
    expect((await sb.store.getBytes(rec.stderr)).toString()).toBe('end\n');
  });

  it('works on copies: the step cannot change the code directory it came from', async () => {
    const ir = pipeline([sh('vandal', 'echo changed > hello.txt; rm -r sub; touch new.txt; chmod 000 .', { code: join(sb.dir, 'code') })]);
    await (await run(ir, 'vandal')).record;
    expect(await readFile(join(sb.dir, 'code/hello.txt'), 'utf8')).toBe('hello from code\n');
    expect(await readFile(join(sb.dir, 'code/sub/other.txt'), 'utf8')).toBe('other\n');
    expect((await readdir(join(sb.dir, 'code'))).sort()).toEqual(['hello.txt', 'sub']);
    // The staging directory is gone, even though the step made its working dir unreadable.
    expect(await readdir(work)).toEqual(['.keep']);
  });
});

describe('runJob: failures write no record', () => {
  it('fails naming a declared output the step did not write', async () => {
    const { key, record } = await run(pipeline([sh('s', 'echo > "$PW_OUTPUT_A"', { outputs: ['a', 'b_2'] })]), 's');
    await expect(record).rejects.toThrow(/Step 's' did not write its declared output 'b_2' \(expected a file or directory at \$PW_OUTPUT_B_2/);
    expect(await readStepRecord(sb.store, key)).toBeUndefined();
    expect(await sb.store.getJson<StepRunDocument>('runs/run-1/s.json')).toMatchObject({ status: 'failed', error: expect.stringMatching(/'b_2'/) });
  });

  it('fails with the exit code and the last lines of stderr, keeping the logs', async () => {
    const { key, record } = await run(pipeline([sh('s', 'echo working; echo "bad things happened" >&2; exit 3', { outputs: [] })]), 's');
    const err = await record.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).step).toBe('s');
    expect((err as Error).message).toMatch(/Step 's' failed: exit code 3\n.*last lines of stderr:\n\s+bad things happened/);
    expect(await readStepRecord(sb.store, key)).toBeUndefined();
    const doc = await sb.store.getJson<StepRunDocument>('runs/run-1/s.json');
    expect(doc).toMatchObject({ status: 'failed', exitCode: 3 });
    expect((await sb.store.getBytes(doc!.stdout!)).toString()).toBe('working\n');
    expect(await readdir(work)).toEqual(['.keep']);
  });

  it('reports a command that cannot be found', async () => {
    const { record } = await run(pipeline([step('s', { command: ['no-such-command-pw'] })]), 's');
    await expect(record).rejects.toThrow(/could not start "no-such-command-pw".*on PATH/);
  });

  it('kills the whole process group on abort, SIGKILL after the grace period', async () => {
    // The step ignores SIGTERM and leaves a grandchild running; both must die.
    const script = `trap '' TERM; sleep 60 & echo "$! $$" > "${join(sb.dir, 'pids')}"; echo started; wait`;
    const ac = new AbortController();
    const { key, record } = await run(pipeline([sh('s', script)]), 's', {}, {
      signal: ac.signal,
      killGraceMs: 200,
      onOutput: (_s, c) => {
        if (c.toString().includes('started')) ac.abort();
      },
    });
    await expect(record).rejects.toThrow(/Step 's' was cancelled/);
    const pids = (await readFile(join(sb.dir, 'pids'), 'utf8')).trim().split(' ').map(Number);
    for (const pid of pids) expect(await isGone(pid)).toBe(true);
    expect(await readStepRecord(sb.store, key)).toBeUndefined();
  });

  it('kills a step that runs past its timeout', async () => {
    const { record } = await run(pipeline([sh('s', 'sleep 60')]), 's', {}, { timeoutSeconds: 0.3, killGraceMs: 100 });
    await expect(record).rejects.toThrow(/Step 's' timed out after 0.3 s/);
  });

  it('refuses to start when already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const { record } = await run(pipeline([sh('s', 'true')]), 's', {}, { signal: ac.signal });
    await expect(record).rejects.toThrow(/cancelled before it started/);
  });
});

describe('parseMetrics', () => {
  it('keeps valid lines and warns about the rest', () => {
    const { metrics, warnings } = parseMetrics('{"name":"a","value":1}\n\n{"name":"","value":1}\n[1]\n{"name":"b","value":2,"step":3}\n{"name":"c","value":1,"step":"x"}\n');
    expect(metrics).toEqual([
      { name: 'a', value: 1 },
      { name: 'b', value: 2, step: 3 },
    ]);
    expect(warnings.map((w) => w.slice(0, 15))).toEqual(['metrics line 3 ', 'metrics line 4 ', 'metrics line 6 ']);
  });
});

describe('detectGpus', () => {
  it('returns GPU indexes, or none where nvidia-smi is absent', async () => {
    const gpus = await detectGpus();
    expect(Array.isArray(gpus)).toBe(true);
    for (const g of gpus) expect(g).toMatch(/^\d+$/);
  });

  it('parses what nvidia-smi prints (a stand-in script on PATH: a mock, since no GPU machine runs CI)', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'pw-fake-smi-'));
    const log = join(bin, 'args');
    await writeFile(join(bin, 'nvidia-smi'), `#!/bin/sh\necho "$@" > ${JSON.stringify(log)}\nprintf '0\\n1\\n3\\n'\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await detectGpus()).toEqual(['0', '1', '3']);
      expect((await readFile(log, 'utf8')).trim()).toBe('--query-gpu=index --format=csv,noheader');
    } finally {
      process.env.PATH = path;
      await rm(bin, { recursive: true, force: true });
    }
  });
});

it('leaves no staging directory behind after success', async () => {
  await (await run(pipeline([sh('s', 'true')]), 's')).record;
  expect(await readdir(work)).toEqual(['.keep']);
  expect((await stat(work)).isDirectory()).toBe(true);
});

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStepRecord, type StepRunDocument } from '../../lib/protocol';
import { stageIn, stageOut } from '../../lib/runner';
import { runnerMain } from '../../lib/runner/main';
import type { Hash } from '../../lib/store/types';
import { lookup, pipeline, type Sandbox, sandbox, step } from '../reuse/fixtures';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => sb.cleanup());

/** Runs `/bin/sh <dir>/step.sh` as a user container would; resolves with its status and output. */
function runScript(dir: string, onStdout?: (text: string, pid: number) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', [join(dir, 'step.sh')], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(stdout, child.pid!);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function stage(command: string[], over: Parameters<typeof step>[1] = {}) {
  const r = await lookup(sb.store, pipeline([step('s', { command, ...over })]), 's', { x: 'exec:run-9' });
  const dir = join(sb.dir, 'pw');
  const staged = await stageIn(sb.store, r.job!, dir);
  return { dir, job: r.job!, key: r.key, staged };
}

describe('step.sh (the user container side of a Batch job)', () => {
  it('runs the command with the contract env, exact argv quoting, and records output and exit status', async () => {
    const args = ["it's", '$HOME `x`', 'a  b', 'back\\slash', 'new\nline', ''];
    const { dir, job, key } = await stage(['sh', '-c', 'printf "%s|" "$@" > "$PW_OUTPUT_O"; echo "env=$MY_VAR"; echo err >&2', 'argv0', ...args], {
      outputs: ['o'],
      env: { MY_VAR: `q'uote "and" $dollar` },
    });
    const res = await runScript(dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`env=q'uote "and" $dollar\n`);
    expect(res.stderr).toBe('err\n');
    expect(await readFile(join(dir, 'outputs/o'), 'utf8')).toBe(args.map((a) => `${a}|`).join(''));
    expect((await readFile(join(dir, 'exit_code'), 'utf8')).trim()).toBe('0');
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe(res.stdout);

    // stage-out, as the runner image runs it: reads exit_code and the timing files.
    expect(await runnerMain(['stage-out', '--job', job, '--dir', dir], sb.store)).toBe(0);
    const record = await readStepRecord(sb.store, key);
    expect(record?.outputs.o).toMatch(/^sha256:/);
    expect((await sb.store.getBytes(record!.stderr)).toString()).toBe('err\n');
    expect(await sb.store.getJson<StepRunDocument>('runs/run-9/s.json')).toMatchObject({ status: 'ran', cacheKey: key });
  });

  it('passes a failure through: exit status in exit_code, and stage-out refuses to record', async () => {
    const { dir, job, key } = await stage(['sh', '-c', 'echo nope >&2; exit 4'], { outputs: ['o'] });
    const res = await runScript(dir);
    expect(res.code).toBe(4);
    expect((await readFile(join(dir, 'exit_code'), 'utf8')).trim()).toBe('4');
    expect(await runnerMain(['stage-out', '--job', job, '--dir', dir], sb.store)).toBe(1);
    expect(await readStepRecord(sb.store, key)).toBeUndefined();
  });

  it('forwards SIGTERM to the command', async () => {
    const { dir } = await stage(['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
    let sent = false;
    const res = await runScript(dir, (out, pid) => {
      if (!sent && out.includes('ready')) {
        sent = true;
        process.kill(pid, 'SIGTERM');
      }
    });
    expect(res.stdout).toContain('got-term');
    expect(res.code).toBe(7);
    expect((await readFile(join(dir, 'exit_code'), 'utf8')).trim()).toBe('7');
  });

  it('stage-out names a missing output and writes no record', async () => {
    const { dir, job, key } = await stage(['true'], { outputs: ['model'] });
    await runScript(dir);
    await expect(stageOut(sb.store, job as Hash, dir, { exitCode: 0, startedAt: new Date().toISOString(), durationMs: 1 })).rejects.toThrow(
      /did not write its declared output 'model'/,
    );
    expect(await readStepRecord(sb.store, key)).toBeUndefined();
  });
});

describe('stageIn checks', () => {
  it('rejects names that collide as env variables, and env names a shell cannot export', async () => {
    await sb.write({ 'x.txt': 'x' });
    const path = join(sb.dir, 'x.txt');
    await expect(stage(['true'], { inputs: { 'a-b': { kind: 'path', path }, a_b: { kind: 'path', path } } })).rejects.toThrow(
      /inputs 'a-b' and 'a_b' both map to env PW_INPUT_A_B/,
    );
    await expect(stage(['true'], { env: { 'BAD-NAME': '1' } })).rejects.toThrow(/"BAD-NAME" cannot be exported by a POSIX shell/);
  });
});

describe('runnerMain', () => {
  it('stages in, and rejects bad arguments with usage', async () => {
    const { job } = await stage(['true']);
    const dir = join(sb.dir, 'pw2');
    expect(await runnerMain(['stage-in', '--job', job, '--dir', dir], sb.store)).toBe(0);
    expect(await readFile(join(dir, 'step.sh'), 'utf8')).toMatch(/^#!\/bin\/sh/);
    expect(await runnerMain(['stage-in', '--job', 'nope', '--dir', dir], sb.store)).toBe(2);
    expect(await runnerMain(['explode'], sb.store)).toBe(2);
  });

  it('runs a whole job in one process with `run`', async () => {
    const { job, key } = await stage(['sh', '-c', 'echo 42 > "$PW_OUTPUT_O"'], { outputs: ['o'] });
    expect(await runnerMain(['run', '--job', job, '--work-root', sb.dir], sb.store)).toBe(0);
    const record = await readStepRecord(sb.store, key);
    expect((await sb.store.getBytes(record!.outputs.o as Hash)).toString()).toBe('42\n');
  });
});

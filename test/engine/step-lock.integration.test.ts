/**
 * Issue 8 §4: a step already running for the same cache key in another live process is waited for and
 * reused, not started a second time.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockStep } from '../../lib/engine/step-lock';
import { makeProject, type Project } from './support';

const BIN = resolve(__dirname, '../../bin/pipewright');
let p: Project;
beforeEach(async () => {
  p = await makeProject('pw-lock-');
});
afterEach(async () => p.cleanup());

function cli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: p.dir, env: { ...process.env, CI: '1', PIPEWRIGHT_STORE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

describe('one execution per cache key', () => {
  it('a second run started while the step runs waits for it and reuses its result', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: once
steps:
  slow:
    command: [sh, -c, 'echo ran >> "$DIR/count"; sleep 8; echo done > "$PW_OUTPUT_O"']
    env: { DIR: "${p.dir}" }
    outputs: [o]
`,
    );
    const first = cli(['run', 'pipeline.yaml', '--json']);
    const until = Date.now() + 30_000;
    while (!(await readFile(join(p.dir, 'count'), 'utf8').catch(() => ''))) {
      if (Date.now() > until) throw new Error('the first run never started its step');
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await cli(['run', 'pipeline.yaml', '--json']);
    const a = await first;
    expect(a.code, a.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(a.stdout).steps.slow.status).toBe('ran');
    expect(JSON.parse(second.stdout).steps.slow.status).toBe('reused');
    expect(await readFile(join(p.dir, 'count'), 'utf8')).toBe('ran\n');
  }, 60_000);
});

describe('a lock file whose owner is not written yet', () => {
  it('is waited for, not an error: another process created it and is about to write its owner', async () => {
    // GIVEN the lock of a key just created (empty) by another process, as open('wx') leaves it before the write
    const key = `sha256:${'ab'.repeat(32)}` as const;
    const store = join(p.dir, 'store');
    await mkdir(join(store, 'locks'), { recursive: true });
    await writeFile(join(store, 'locks', `${'ab'.repeat(32)}.lock`), '');
    // WHEN this process asks for it and gives up after a while
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 500);
    // THEN it waited (before the fix: an immediate SyntaxError from parsing the empty owner, which failed the run)
    await expect(lockStep(store, key, stop.signal)).rejects.toThrow(/stopped while waiting for another process/);
  });
});

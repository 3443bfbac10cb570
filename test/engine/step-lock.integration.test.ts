/**
 * Issue 8 §4: a step already running for the same cache key in another live process is waited for and
 * reused, not started a second time.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  it('two runs of one process (serve) wait for each other too: the step runs once', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: once-in-process
steps:
  slow:
    command: [sh, -c, 'echo ran >> "$DIR/count"; sleep 2; echo done > "$PW_OUTPUT_O"']
    env: { DIR: "${p.dir}" }
    outputs: [o]
`,
    );
    const ir = await p.load();
    // GIVEN two runs started together in this one process, as `serve` does for two triggers
    const [a, b] = await Promise.all([p.run(ir), p.run(ir)]);
    // THEN one ran the step and the other waited and reused it
    expect([a.doc.steps.slow.status, b.doc.steps.slow.status].sort()).toEqual(['ran', 'reused']);
    expect(await readFile(join(p.dir, 'count'), 'utf8')).toBe('ran\n');
  }, 60_000);
});

/**
 * Failure and crash safety (issue 3 §9): a step killed mid-write, the `pipewright run` process killed
 * mid-run, a corrupted blob, and two concurrent runs on one store — with real processes.
 */
import { spawn } from 'node:child_process';
import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRuns } from '../../lib/engine';
import type { Hash } from '../../lib/store/types';
import { makeProject, statuses, type Project } from './support';
import { readStepRecord } from '../../lib/protocol';

const BIN = resolve(__dirname, '../../bin/pipewright');

let p: Project;

beforeEach(async () => {
  p = await makeProject('pw-crash-');
});

afterEach(async () => {
  await p.cleanup();
});

/** Runs `pipewright` with args in the project; resolves with exit code and output. */
function cli(args: string[], cwd: string): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) =>
    child.on('close', (code) => res({ code, stdout, stderr })),
  );
  return { child, done };
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function recordCount(): Promise<number> {
  return (await readdir(join(p.dir, '.pipewright', 'records')).catch(() => [])).length;
}

describe('crash safety', () => {
  it('a step SIGKILLed mid-write leaves no record, skips its dependents, and re-runs next time', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: killed
steps:
  writer:
    command: [sh, -c, 'printf partial > "$PW_OUTPUT_OUT"; if [ -e "$FLAG" ]; then kill -KILL $$; fi; printf " and the rest" >> "$PW_OUTPUT_OUT"']
    env: { FLAG: "${p.dir}/kill-me" }
    outputs: [out]
    retries: 0
  reader:
    command: [sh, -c, 'cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"']
    inputs: { x: writer.out }
    outputs: [out]
`,
    );
    await p.write('kill-me', '');
    const killed = await p.run(await p.load());
    expect(statuses(killed.doc)).toEqual({ writer: 'failed', reader: 'skipped' });
    expect(killed.doc.steps.writer.error).toMatch(/SIGKILL/);
    expect(await readStepRecord(p.store, killed.doc.steps.writer.cacheKey!)).toBeUndefined();
    expect(await recordCount()).toBe(0);

    await rm(join(p.dir, 'kill-me'));
    const next = await p.run(await p.load());
    expect(statuses(next.doc)).toEqual({ writer: 'ran', reader: 'ran' });
    const out = await p.store.getBytes(next.doc.steps.reader.outputs!.out as Hash);
    expect(out.toString()).toBe('partial and the rest');
  });

  it('after the pipewright run process is SIGKILLed mid-run, the next run reuses every step that had finished', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: interrupted
steps:
  one:
    command: [sh, -c, 'echo 1 > "$PW_OUTPUT_OUT"']
    outputs: [out]
  two:
    command: [sh, -c, 'cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"; echo 2 >> "$PW_OUTPUT_OUT"']
    inputs: { x: one.out }
    outputs: [out]
  three:
    command: [sh, -c, 'echo $$ > "$DIR/three.pid"; while [ -e "$DIR/hold" ]; do sleep 0.1; done; cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"']
    env: { DIR: "${p.dir}" }
    inputs: { x: two.out }
    outputs: [out]
`,
    );
    await p.write('hold', '');
    const { child, done } = cli(['run', 'pipeline.yaml', '--store', '.pipewright'], p.dir);
    await waitFor(async () => (await readFile(join(p.dir, 'three.pid'), 'utf8').catch(() => '')) !== '', 'step three to start');
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.code).toBeNull();
    // The step's guard kills its process group with the engine (test/engine/orphans.integration.test.ts);
    // make sure of it here too, whether or not it is already gone.
    const pid = Number((await readFile(join(p.dir, 'three.pid'), 'utf8')).trim());
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
    expect(await recordCount()).toBe(2);
    // The stored document still says running; readers see that its process is gone, and what had finished.
    const [interrupted] = await listRuns(p.store);
    expect(interrupted.status).toBe('failed');
    expect(interrupted.error).toMatch(/the pipewright process that ran it \(pid \d+\) ended before the run finished; 2 step\(s\) had finished/);
    expect(statuses(interrupted)).toEqual({ one: 'ran', two: 'ran' });

    await rm(join(p.dir, 'hold'));
    const next = await p.run(await p.load());
    expect(statuses(next.doc)).toEqual({ one: 'reused', two: 'reused', three: 'ran' });
  });

  it('Ctrl-C (SIGINT) on pipewright run stops the running steps and records the run as cancelled (exit 130)', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: interrupted-by-user
steps:
  wait:
    command: [sh, -c, 'echo $$ > "$DIR/wait.pid"; sleep 60; echo done > "$PW_OUTPUT_OUT"']
    env: { DIR: "${p.dir}" }
    outputs: [out]
`,
    );
    const { child, done } = cli(['run', 'pipeline.yaml', '--store', '.pipewright'], p.dir);
    await waitFor(async () => (await readFile(join(p.dir, 'wait.pid'), 'utf8').catch(() => '')) !== '', 'the step to start');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: stopping running steps/);
    const [doc] = await listRuns(p.store);
    expect(doc.status).toBe('cancelled');
    expect(doc.steps.wait.status).toBe('skipped');
    const pid = Number((await readFile(join(p.dir, 'wait.pid'), 'utf8')).trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a corrupted blob is detected and reported, never used: the step that produced it re-runs', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: corrupt
steps:
  make:
    command: [sh, -c, 'echo "good data" > "$PW_OUTPUT_OUT"']
    outputs: [out]
  use:
    command: [sh, -c, 'cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"']
    inputs: { x: make.out }
    outputs: [out]
`,
    );
    const first = await p.run(await p.load());
    const blob = first.doc.steps.make.outputs!.out as Hash;
    const path = join(p.dir, '.pipewright', 'cas', 'sha256', blob.slice('sha256:'.length));
    await chmod(path, 0o644);
    await writeFile(path, 'evil data\n');

    const second = await p.run(await p.load());
    expect(second.doc.status).toBe('succeeded');
    expect(second.doc.steps.make.status).toBe('ran');
    expect(second.events.some((e) => e.type === 'warning' && e.message.includes("'make'"))).toBe(true);
    // The re-run restored the blob; `use` saw the same bytes, so it is reused.
    expect((await p.store.getBytes(blob)).toString()).toBe('good data\n');
    expect(second.doc.steps.use.status).toBe('reused');
  });

  it('two concurrent pipewright runs of one pipeline on one store both succeed and leave it consistent', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: concurrent
steps:
${Array.from({ length: 6 }, (_, i) => `  s${i}:
    command: [sh, -c, 'sleep 0.2; echo ${i} > "$PW_OUTPUT_OUT"; mkdir -p "$PW_OUTPUT_DIR"; echo ${i} > "$PW_OUTPUT_DIR/f"']
    outputs: [out, dir]${i > 0 ? `\n    inputs: { x: s${i - 1}.out }` : ''}`).join('\n')}
`,
    );
    const a = cli(['run', 'pipeline.yaml', '--store', '.pipewright', '--json'], p.dir);
    const b = cli(['run', 'pipeline.yaml', '--store', '.pipewright', '--json'], p.dir);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    for (const r of [ra, rb]) expect(JSON.parse(r.stdout).status).toBe('succeeded');

    const third = await p.run(await p.load());
    expect(Object.values(third.doc.steps).every((s) => s.status === 'reused')).toBe(true);
    for (const step of Object.values(third.doc.steps)) {
      for (const ref of Object.values(step.outputs ?? {})) await p.store.verify(ref);
    }
  });
});

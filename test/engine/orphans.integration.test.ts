/**
 * Issue 8 §4: a step never outlives its run. SIGKILL of `pipewright run` or `pipewright serve`, or a second
 * Ctrl-C, kills the step's process group (its guard sees the engine go); the staging folder a killed run
 * leaves is removed at the next start, never a live run's; a `setsid` child that keeps stdout open does not
 * keep the step running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, type Project } from './support';

const BIN = resolve(__dirname, '../../bin/pipewright');

let p: Project;
let tmp: string;
beforeEach(async () => {
  p = await makeProject('pw-orphans-');
  tmp = join(p.dir, 'tmp');
  await mkdir(tmp);
});
afterEach(async () => {
  for (const f of ['step.pid', 'bg.pid']) {
    const pid = Number((await readFile(join(p.dir, f), 'utf8').catch(() => '')).trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  }
  await p.cleanup();
});

function cli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: p.dir, env: { ...process.env, CI: '1', TMPDIR: tmp, PIPEWRIGHT_STORE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((res) => child.on('close', (code) => res({ code, stderr: out.stderr })));
  return { child, done, out };
}

/** The pid the step wrote to `step.pid` once it started. */
async function stepPid(): Promise<number> {
  await waitFor(async () => (await readFile(join(p.dir, 'step.pid'), 'utf8').catch(() => '')).trim() !== '', 'the step to start');
  return Number((await readFile(join(p.dir, 'step.pid'), 'utf8')).trim());
}

/** A one-step pipeline whose step writes its pid, then holds for a minute (`prelude` runs first). */
const holding = (prelude = '') => `
name: orphan
steps:
  hold:
    command: [sh, -c, '${prelude}echo $$ > "$DIR/step.pid"; sleep 60; echo late > "$DIR/late.txt"']
    env: { DIR: "${p.dir}" }
`;

async function waitFor(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a process has ended (gone, or a zombie nobody reaped yet). */
async function gone(pid: number): Promise<boolean> {
  const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return st === undefined || / Z /.test(st.slice(st.lastIndexOf(')')));
}

const staging = async () => (await readdir(tmp)).filter((n) => n.startsWith('pw-stage-'));

describe('processes that outlive their run', () => {
  it('SIGKILL of pipewright run kills the running step; its staging folder goes at the next start', async () => {
    await p.write('pipeline.yaml', holding());
    // GIVEN a run whose step is running
    const run = cli(['run', 'pipeline.yaml']);
    const pid = await stepPid();
    expect(await staging()).toHaveLength(1);
    // WHEN the run's process is SIGKILLed
    run.child.kill('SIGKILL');
    await run.done;
    // THEN the step dies with it, and the staging folder is left until the next start removes it
    await waitFor(() => gone(pid), 'the step to be killed', 20_000);
    expect(await staging()).toHaveLength(1);
    await p.write('other.yaml', 'name: other\nsteps:\n  s:\n    command: [sh, -c, "true"]\n');
    const next = cli(['run', 'other.yaml']);
    expect((await next.done).code).toBe(0);
    expect(await staging()).toEqual([]);
  }, 60_000);

  it('SIGKILL of pipewright serve while it runs a step kills the step', async () => {
    await p.write('pipeline.yaml', holding());
    // GIVEN serve running a triggered run's step
    const serve = cli(['serve', '--port', '0', 'pipeline.yaml']);
    let url = '';
    await waitFor(async () => {
      url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.out.stdout)?.[1] ?? '';
      return url !== '';
    }, `serve to listen (stderr: ${serve.out.stderr})`);
    const res = await fetch(`${url}/pipelines/orphan/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(202);
    const pid = await stepPid();
    // WHEN serve is SIGKILLed
    serve.child.kill('SIGKILL');
    await serve.done;
    // THEN the step dies with it
    await waitFor(() => gone(pid), 'the step to be killed', 20_000);
  }, 60_000);

  it('a second Ctrl-C quits pipewright run at once and still kills a step that ignores SIGTERM', async () => {
    // GIVEN a run whose step ignores SIGTERM (so the first Ctrl-C's stop would take the 5 s grace)
    await p.write('pipeline.yaml', holding(`trap "" TERM; `));
    const run = cli(['run', 'pipeline.yaml']);
    const pid = await stepPid();
    // WHEN Ctrl-C is pressed twice
    run.child.kill('SIGINT');
    await waitFor(async () => /interrupted: stopping running steps/.test(run.out.stderr), 'the first Ctrl-C to be seen');
    run.child.kill('SIGINT');
    // THEN run exits 130 at once, and the step dies with it
    expect((await run.done).code).toBe(130);
    await waitFor(() => gone(pid), 'the step to be killed', 20_000);
  }, 60_000);

  it("the next start removes staging folders of gone processes and of reused pids, never a live run's", async () => {
    // GIVEN a run whose step is running, with its staging folder
    await p.write(
      'pipeline.yaml',
      `
name: live
steps:
  s:
    command: [sh, -c, 'echo $$ > "$DIR/step.pid"; while [ ! -e "$DIR/go" ]; do sleep 0.1; done; echo ok > "$PW_OUTPUT_O"']
    env: { DIR: "${p.dir}" }
    outputs: [o]
`,
    );
    const live = cli(['run', 'pipeline.yaml']);
    await stepPid();
    const liveFolders = await staging();
    expect(liveFolders).toHaveLength(1);
    // AND a folder left by a process that is gone
    const ended = spawn('true');
    await new Promise((r) => ended.on('close', r));
    await mkdir(join(tmp, `pw-stage-${ended.pid}-aaaaaa`, 'job'), { recursive: true });
    // AND a folder whose pid now belongs to a younger process (the pid was reused after its run was killed)
    let younger: ChildProcess | undefined;
    try {
      younger = spawn('sleep', ['30']);
      const reused = join(tmp, `pw-stage-${younger.pid}-bbbbbb`);
      await mkdir(join(reused, 'job'), { recursive: true });
      await writeFile(join(reused, 'job', 'data'), 'left by a killed run');
      const anHourAgo = new Date(Date.now() - 3600_000);
      await utimes(reused, anHourAgo, anHourAgo);
      // WHEN another run starts
      await p.write('other.yaml', 'name: other\nsteps:\n  s:\n    command: [sh, -c, "true"]\n');
      expect((await cli(['run', 'other.yaml']).done).code).toBe(0);
      // THEN only the live run's folder is left, and that run finishes normally
      expect(await staging()).toEqual(liveFolders);
    } finally {
      younger?.kill('SIGKILL');
    }
    await writeFile(join(p.dir, 'go'), '');
    expect((await live.done).code).toBe(0);
    expect(await staging()).toEqual([]);
  }, 60_000);

  it('a setsid background child that keeps stdout open does not keep the step running', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: bg
steps:
  s:
    command: [sh, -c, 'setsid sh -c "echo \\$\\$ > $DIR/bg.pid; exec sleep 30" & echo ok > "$PW_OUTPUT_O"']
    env: { DIR: "${p.dir}" }
    outputs: [o]
`,
    );
    const t0 = Date.now();
    const { doc } = await p.run(await p.load());
    expect(doc.steps.s.status).toBe('ran');
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 60_000);
});

/**
 * Issue 8 §3 and §6 at the runner: what a step may publish, and the environment it runs in.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunFailedError } from '../../lib/errors';
import { readStepRecord } from '../../lib/protocol';
import type { PipelineIR, StepIR } from '../../lib/ir/types';
import { runJob, type RunJobOptions } from '../../lib/runner';
import { createFsStore } from '../../lib/store';
import { lookup, pipeline, type Sandbox, sandbox, step } from '../reuse/fixtures';

let sb: Sandbox;
let work: string;
beforeEach(async () => {
  sb = await sandbox();
  work = join(sb.dir, 'work');
  await mkdir(work);
});
afterEach(async () => sb.cleanup());

const sh = (name: string, script: string, over: Partial<StepIR> = {}): StepIR => step(name, { command: ['sh', '-c', script], ...over });

async function run(ir: PipelineIR, name: string, opts: Partial<RunJobOptions> = {}) {
  const r = await lookup(sb.store, ir, name);
  expect(r.run).toBe(true);
  return { key: r.key, record: runJob({ store: sb.store, job: r.job!, workRoot: work, ...opts }) };
}

describe('stage-out never follows a link the step published', () => {
  it('fails a step whose output is a symbolic link (to /proc/self/environ), storing no record and no target', async () => {
    // GIVEN a step that publishes its own environment through a link
    const ir = pipeline([sh('leak', 'ln -s /proc/self/environ "$PW_OUTPUT_O"', { outputs: ['o'] })]);
    // WHEN it runs
    const { key, record } = await run(ir, 'leak');
    // THEN it fails naming the link, as a link inside a directory output would
    await expect(record).rejects.toThrow(RunFailedError);
    await expect(record).rejects.toThrow(/published output 'o' as a symbolic link \(to \/proc\/self\/environ\); an output must be a regular file or a directory/);
    expect(await readStepRecord(sb.store, key!)).toBeUndefined();
  });
});

describe('a store inside the code folder', () => {
  it('is neither hashed into the code tree nor copied into the working directory', async () => {
    // GIVEN `code: .` over a folder that holds the store (as the default ./.pipewright does)
    const project = join(sb.dir, 'project');
    await sb.write({ 'project/run.sh': 'ls -a > "$PW_OUTPUT_LS"\n' });
    const store = createFsStore(join(project, '.pipewright'));
    const ir = pipeline([step('s', { code: project, command: ['sh', 'run.sh'], outputs: ['ls'], cache: true })]);
    // WHEN it runs twice, the store growing in between
    const first = await lookup(store, ir, 's');
    const rec = await runJob({ store, job: first.job!, workRoot: work });
    const second = await lookup(store, ir, 's');
    // THEN the working directory had no store in it, and the second run reuses the first
    expect((await store.getBytes(rec.outputs.ls as `sha256:${string}`)).toString()).not.toContain('.pipewright');
    expect(second.key).toBe(first.key);
    expect(second.run).toBe(false);
    expect(await readdir(join(project, '.pipewright'))).toContain('cas');
  });
});

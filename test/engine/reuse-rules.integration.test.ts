/**
 * Every reuse rule of the local engine (issue 3 §4), end to end: YAML → startRun → real subprocesses → store.
 *
 * The pipeline: a (code ./a, path input data.txt, param alpha) → b (code ./b, param beta) → c; d alone.
 */
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, statuses, stepsWith, type Project } from './support';
import { readStepRecord } from '../../lib/protocol';
import { resolveParameters } from '../../lib/spec';

const PIPELINE = `
name: rules
description: reuse rules
parameters:
  alpha: { type: integer, default: 1 }
  beta: { type: integer, default: 1 }
  unused: { type: string, default: x }
steps:
  a:
    code: ./a
    command: [sh, run.sh]
    inputs: { data: { path: ./data.txt } }
    params: [alpha]
    outputs: [out]
  b:
    code: ./b
    command: [sh, run.sh]
    inputs: { x: a.out }
    params: [beta]
    outputs: [out]
  c:
    command: [sh, -c, 'cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"']
    inputs: { x: b.out }
    outputs: [out]
  d:
    command: [sh, -c, 'echo d > "$PW_OUTPUT_OUT"']
    outputs: [out]
`;

const A_SCRIPT = 'cat "$PW_INPUT_DATA" > "$PW_OUTPUT_OUT"\necho "alpha=$PW_PARAM_ALPHA" >> "$PW_OUTPUT_OUT"\n';
const B_SCRIPT = 'cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"\necho "beta=$PW_PARAM_BETA" >> "$PW_OUTPUT_OUT"\n';

let p: Project;

beforeEach(async () => {
  p = await makeProject('pw-rules-');
  await p.write('pipeline.yaml', PIPELINE);
  await p.write('a/run.sh', A_SCRIPT);
  await p.write('b/run.sh', B_SCRIPT);
  await p.write('data.txt', 'rows\n');
});

afterEach(async () => {
  await p.cleanup();
});

/** GIVEN a first run that ran every step. */
async function firstRun(): Promise<void> {
  const { doc } = await p.run(await p.load());
  expect(doc.status).toBe('succeeded');
  expect(stepsWith(doc, 'ran')).toEqual(['a', 'b', 'c', 'd']);
}

describe('reuse rules', () => {
  it('re-running an unchanged pipeline reuses every step', async () => {
    await firstRun();
    const { doc } = await p.run(await p.load());
    expect(statuses(doc)).toEqual({ a: 'reused', b: 'reused', c: 'reused', d: 'reused' });
    expect(doc.steps.b.savedMs).toBeGreaterThanOrEqual(0);
    expect(doc.steps.c.outputs?.out).toMatch(/^sha256:/);
  });

  it("editing a step's code re-runs that step and everything downstream, nothing else", async () => {
    await firstRun();
    await p.write('b/run.sh', `${B_SCRIPT}echo v2 >> "$PW_OUTPUT_OUT"\n`);
    const { doc } = await p.run(await p.load());
    expect(statuses(doc)).toEqual({ a: 'reused', b: 'ran', c: 'ran', d: 'reused' });
  });

  it('editing an external input re-runs its consumers, by content', async () => {
    await firstRun();
    await p.write('data.txt', 'other rows\n');
    const { doc } = await p.run(await p.load());
    expect(statuses(doc)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'reused' });
  });

  it('touching an external input without changing it (new mtime, same bytes) reuses every step', async () => {
    await firstRun();
    const later = new Date(Date.now() + 60_000);
    await utimes(join(p.dir, 'data.txt'), later, later);
    await writeFile(join(p.dir, 'data.txt'), 'rows\n'); // rewritten with the same bytes
    const { doc } = await p.run(await p.load());
    expect(stepsWith(doc, 'reused')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('changing a parameter re-runs only the steps that declare it and their dependents', async () => {
    await firstRun();
    const ir = await p.load();
    const { doc } = await p.run(ir, { parameters: resolveParameters(ir, { beta: 2 }) });
    expect(statuses(doc)).toEqual({ a: 'reused', b: 'ran', c: 'ran', d: 'reused' });
    const again = await p.run(ir, { parameters: resolveParameters(ir, { alpha: 5, beta: 2 }) });
    expect(statuses(again.doc)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'reused' });
  });

  it('changing a parameter no step declares changes nothing', async () => {
    await firstRun();
    const ir = await p.load();
    const { doc } = await p.run(ir, { parameters: resolveParameters(ir, { unused: 'y' }) });
    expect(stepsWith(doc, 'reused')).toEqual(['a', 'b', 'c', 'd']);
    expect(doc.parameters.unused).toBe('y');
  });

  it("changing description, compute, retries, timeout, step order, a step's name or the pipeline's name still reuses", async () => {
    await firstRun();
    await p.write(
      'renamed.yaml',
      `
name: rules-renamed
description: something else entirely
parameters:
  alpha: { type: integer, default: 1 }
  beta: { type: integer, default: 1 }
  unused: { type: string, default: x }
steps:
  dee:
    description: renamed from d
    command: [sh, -c, 'echo d > "$PW_OUTPUT_OUT"']
    outputs: [out]
  see:
    command: [sh, -c, 'cat "$PW_INPUT_X" > "$PW_OUTPUT_OUT"']
    inputs: { x: bee.out }
    outputs: [out]
    retries: 3
    timeout: 2h
  bee:
    code: ./b
    command: [sh, run.sh]
    inputs: { x: a.out }
    params: [beta]
    outputs: [out]
    compute: { vcpus: 2, memory: 1024 }
  a:
    code: ./a
    command: [sh, run.sh]
    inputs: { data: { path: ./data.txt } }
    params: [alpha]
    outputs: [out]
    retries: 0
    timeout: 5m
`,
    );
    const { doc } = await p.run(await p.load('renamed.yaml'));
    expect(statuses(doc)).toEqual({ dee: 'reused', see: 'reused', bee: 'reused', a: 'reused' });
  });

  it('an upstream step that re-runs with byte-identical outputs lets downstream steps be reused', async () => {
    await firstRun();
    await p.write('a/run.sh', `# a comment changes the code, not the output\n${A_SCRIPT}`);
    const { doc } = await p.run(await p.load());
    expect(statuses(doc)).toEqual({ a: 'ran', b: 'reused', c: 'reused', d: 'reused' });
  });

  it('--no-cache re-runs every step', async () => {
    await firstRun();
    const { doc } = await p.run(await p.load(), { noCache: true });
    expect(stepsWith(doc, 'ran')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('cache: false re-runs that step on every run', async () => {
    await firstRun();
    await p.write('pipeline.yaml', PIPELINE.replace("    params: [beta]\n", '    params: [beta]\n    cache: false\n'));
    const { doc } = await p.run(await p.load());
    // b re-runs; its output is the same bytes, so c is still reused.
    expect(statuses(doc)).toEqual({ a: 'reused', b: 'ran', c: 'reused', d: 'reused' });
  });

  it('a changed cacheVersion re-runs that step', async () => {
    await firstRun();
    await p.write('pipeline.yaml', PIPELINE.replace("    command: [sh, -c, 'echo d", "    cacheVersion: '2'\n    command: [sh, -c, 'echo d"));
    const { doc } = await p.run(await p.load());
    expect(statuses(doc)).toEqual({ a: 'reused', b: 'reused', c: 'reused', d: 'ran' });
  });

  it('a failed step writes no record, its dependents are skipped, and after a fix the re-run reuses what succeeded', async () => {
    await p.write('b/run.sh', 'echo "b is broken" >&2\nexit 3\n');
    const failed = await p.run(await p.load());
    expect(failed.doc.status).toBe('failed');
    expect(failed.doc.steps.a.status).toBe('ran');
    expect(failed.doc.steps.b.status).toBe('failed');
    expect(failed.doc.steps.b.error).toMatch(/exit code 3[\s\S]*b is broken/);
    expect(failed.doc.steps.c.status).toBe('skipped');
    // d runs beside the a→b→c chain: it finished, or it was stopped when b failed (Parallel semantics).
    expect(['ran', 'skipped']).toContain(failed.doc.steps.d.status);
    const bKey = failed.doc.steps.b.cacheKey;
    expect(bKey).toMatch(/^sha256:/);
    expect(await readStepRecord(p.store, bKey!)).toBeUndefined();

    await p.write('b/run.sh', B_SCRIPT);
    const fixed = await p.run(await p.load());
    expect(fixed.doc.status).toBe('succeeded');
    expect(fixed.doc.steps.a.status).toBe('reused');
    expect(fixed.doc.steps.b.status).toBe('ran');
    expect(fixed.doc.steps.c.status).toBe('ran');
    expect(fixed.doc.steps.d.status).toBe(failed.doc.steps.d.status === 'ran' ? 'reused' : 'ran');
  });
});

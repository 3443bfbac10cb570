/**
 * Issue 8 §6: a local step runs in a clean, documented environment; passEnv passes a variable on purpose
 * (into the cache key); secrets come from the host, never into the key, the run documents or the logs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/errors';
import { readStepRecord, type StepRunDocument } from '../../lib/protocol';
import type { Hash } from '../../lib/store/types';
import { makeProject, type Project } from './support';

let p: Project;
const saved = { ...process.env };

beforeEach(async () => {
  p = await makeProject('pw-env-');
});
afterEach(async () => {
  for (const k of ['T8_SEED', 'T8_TOKEN', 'T8_STRAY']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await p.cleanup();
});

const text = async (hash: Hash | undefined): Promise<string> => (hash ? (await p.store.getBytes(hash)).toString() : '');

describe('the step environment', () => {
  it('hides the host environment: a stray variable neither reaches the step nor lets a changed value reuse a result', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: clean
steps:
  s:
    command: [sh, -c, 'echo "stray=\${T8_STRAY:-unset} path=\${PATH:+set} home=\${HOME:+set}" > "$PW_OUTPUT_O"']
    outputs: [o]
`,
    );
    process.env.T8_STRAY = 'host-value';
    const { doc } = await p.run(await p.load());
    expect(await text(doc.steps.s.outputs?.o as Hash)).toBe('stray=unset path=set home=set\n');
  });

  it('passes a passEnv variable through, into the cache key: SEED=1 then SEED=2 runs twice', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: pass
steps:
  s:
    command: [sh, -c, 'echo "seed=$T8_SEED" > "$PW_OUTPUT_O"']
    passEnv: [T8_SEED]
    outputs: [o]
`,
    );
    const ir = await p.load();
    process.env.T8_SEED = '1';
    const first = await p.run(ir);
    process.env.T8_SEED = '2';
    const second = await p.run(ir);
    process.env.T8_SEED = '1';
    const third = await p.run(ir);
    expect([first.doc.steps.s.status, second.doc.steps.s.status, third.doc.steps.s.status]).toEqual(['ran', 'ran', 'reused']);
    expect(await text(second.doc.steps.s.outputs?.o as Hash)).toBe('seed=2\n');
    delete process.env.T8_SEED;
    await expect(p.run(ir)).rejects.toThrow(/steps\.s\.passEnv\[0\]: T8_SEED is not set in this environment/);
  });

  it('gives a secret from the host, keeps it out of the key, the documents and the logs', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: secret
steps:
  s:
    command: [sh, -c, 'echo "token is $T8_TOKEN"; echo "err $T8_TOKEN" >&2; printf %s "$T8_TOKEN" | wc -c > "$PW_OUTPUT_LEN"; [ -n "$FAIL" ] && exit 1; true']
    secrets: { T8_TOKEN: "ssm:/ml/token" }
    outputs: [len]
`,
    );
    const ir = await p.load();
    // GIVEN the secret is unset THEN the run stops before anything runs, naming it
    delete process.env.T8_TOKEN;
    await expect(p.run(ir)).rejects.toThrow(UsageError);
    await expect(p.run(ir)).rejects.toThrow(/steps\.s\.secrets\.T8_TOKEN: T8_TOKEN is not set/);
    // WHEN it is set
    process.env.T8_TOKEN = 's3cr3t-value';
    const first = await p.run(ir, { verbose: true });
    expect(first.doc.steps.s.status).toBe('ran');
    expect((await text(first.doc.steps.s.outputs?.len as Hash)).trim()).toBe('12');
    const record = (await readStepRecord(p.store, first.doc.steps.s.cacheKey!))!;
    expect(await text(record.stdout)).toBe('token is ***\n');
    expect(await text(record.stderr)).toBe('err ***\n');
    const streamed = first.events.filter((e) => e.type === 'step-output').map((e) => (e as { text: string }).text).join('');
    expect(streamed).not.toContain('s3cr3t');
    // THEN a changed secret value reuses the result (not in the key), and nothing stored holds the value
    process.env.T8_TOKEN = 'another-value';
    const second = await p.run(ir);
    expect(second.doc.steps.s.status).toBe('reused');
    const everything = JSON.stringify([first.doc, second.doc, record, await p.store.getJson<StepRunDocument>(`runs/${first.doc.runId}/s.json`)]);
    expect(everything).not.toContain('s3cr3t');
    expect(everything).not.toContain('another-value');
  });

  it('masks a secret in the failure message of a failed step', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: secretfail
steps:
  s:
    command: [sh, -c, 'echo "bad token $T8_TOKEN" >&2; exit 1']
    secrets: { T8_TOKEN: "ssm:/ml/token" }
`,
    );
    process.env.T8_TOKEN = 'fail-s3cr3t';
    const { doc } = await p.run(await p.load());
    expect(doc.steps.s.status).toBe('failed');
    expect(doc.steps.s.error).toContain('bad token ***');
    expect(JSON.stringify(doc)).not.toContain('fail-s3cr3t');
  });
});

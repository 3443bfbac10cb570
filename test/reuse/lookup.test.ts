import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildManifest } from '../../lib/manifest';
import { cacheKey, type StepRunDocument } from '../../lib/protocol';
import { createLookupHandler, type LookupEvent } from '../../lib/reuse';
import { runJob } from '../../lib/runner';
import { blobKey, refHash } from '../../lib/store';
import { lookup, pipeline, type Sandbox, sandbox, step } from './fixtures';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
  await sb.write({ 'code/main.sh': 'echo hi\n', 'code/lib/util.sh': 'true\n', 'data/in.csv': 'a,b\n1,2\n' });
});
afterEach(async () => sb.cleanup());

const code = (): string => join(sb.dir, 'code');
const data = (): string => join(sb.dir, 'data/in.csv');

describe('cacheKey', () => {
  it('is the SHA-256 of the canonical document, whatever the key order', () => {
    const a = cacheKey({ v: 1, code: null, command: ['x'], image: 'i', env: { A: '1', B: '2' }, inputs: {}, params: {}, outputs: [], cacheVersion: null });
    const b = cacheKey({ cacheVersion: null, outputs: [], params: {}, inputs: {}, env: { B: '2', A: '1' }, image: 'i', command: ['x'], code: null, v: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('buildManifest', () => {
  it('gives the same hash for the same content, and stores the code tree once for steps that share it', async () => {
    const ir = pipeline([
      step('a', { code: code(), inputs: { d: { kind: 'path', path: data() } } }),
      step('b', { code: code() }),
    ]);
    const progress: string[] = [];
    const one = await buildManifest(ir, sb.store, { onProgress: (m) => progress.push(m) });
    const two = await buildManifest(ir, sb.store);
    expect(one.hash).toBe(two.hash);
    expect(one.manifest.steps.a.code).toMatch(/^tree:sha256:/);
    expect(one.manifest.steps.a.code).toBe(one.manifest.steps.b.code);
    expect(one.manifest.steps.a.inputs.d).toEqual({ kind: 'artifact', ref: expect.stringMatching(/^sha256:/) });
    expect(progress.filter((m) => m.startsWith(`storing ${code()}`))).toHaveLength(1);
    expect(JSON.parse((await sb.store.getBytes(one.hash)).toString())).toEqual(one.manifest);
  });

  it('names the step and input of a path that does not exist', async () => {
    const ir = pipeline([step('a', { inputs: { raw: { kind: 'path', path: join(sb.dir, 'nope.csv') } } })]);
    await expect(buildManifest(ir, sb.store)).rejects.toThrow(/steps\.a\.inputs\.raw: input .*nope\.csv does not exist/);
  });
});

describe('what enters the cache key', () => {
  it('is stable: the same definition and inputs give the same key in every execution', async () => {
    const ir = pipeline([step('a', { code: code(), inputs: { d: { kind: 'path', path: data() } }, params: ['k'] })], {
      parameters: { k: { type: 'integer', default: 1 } },
    });
    const r1 = await lookup(sb.store, ir, 'a', { p: { k: 1 } });
    const r2 = await lookup(sb.store, ir, 'a', { p: { k: 1 } });
    expect(r1.key).toBe(r2.key);
    expect(r1.run).toBe(true);
    expect(r1.job).toMatch(/^sha256:/);
    expect(r1.fail).toBe("Step 'a' failed");
  });

  it('takes only the parameters the step declares', async () => {
    const ir = pipeline([step('a', { params: ['used'] })]);
    const base = await lookup(sb.store, ir, 'a', { p: { used: 1, unused: 'x' } });
    expect((await lookup(sb.store, ir, 'a', { p: { used: 1, unused: 'y' } })).key).toBe(base.key);
    expect((await lookup(sb.store, ir, 'a', { p: { used: 2, unused: 'x' } })).key).not.toBe(base.key);
    // 1 and '1' are different values: parameters are typed.
    expect((await lookup(sb.store, ir, 'a', { p: { used: '1', unused: 'x' } })).key).not.toBe(base.key);
  });

  it('ignores description, compute, retries, timeout, step order, step name and pipeline name', async () => {
    const a = step('a', { code: code(), outputs: ['o'] });
    const base = (await lookup(sb.store, pipeline([a, step('z')]), 'a')).key;
    const variants = [
      pipeline([{ ...a, description: 'changed' }, step('z')]),
      pipeline([{ ...a, compute: { vcpus: 8, memory: 16384, gpus: 1, queue: 'gpu' } }, step('z')]),
      pipeline([{ ...a, retries: 5, timeoutSeconds: 60 }, step('z')]),
      pipeline([step('z'), a]),
      pipeline([a, step('z')], { name: 'other-pipeline', description: 'x' }),
    ];
    for (const ir of variants) expect((await lookup(sb.store, ir, 'a')).key).toBe(base);
    expect((await lookup(sb.store, pipeline([{ ...a, name: 'renamed' }]), 'renamed')).key).toBe(base);
  });

  it('changes when a code file, the command, the image, the env, the outputs or cacheVersion change', async () => {
    const a = step('a', { code: code(), outputs: ['o'] });
    const keyOf = async (s = a): Promise<string> => (await lookup(sb.store, pipeline([s]), 'a')).key;
    const base = await keyOf();
    const others = [
      await keyOf({ ...a, command: ['sh', '-c', 'false'] }),
      await keyOf({ ...a, image: 'python:3.12' }),
      await keyOf({ ...a, env: { A: '1' } }),
      await keyOf({ ...a, outputs: ['o', 'p'] }),
      await keyOf({ ...a, cacheVersion: '2' }),
    ];
    // Output order does not matter: the names are sorted.
    expect(await keyOf({ ...a, outputs: ['p', 'o'] })).toBe(others[3]);
    await writeFile(join(code(), 'lib/util.sh'), 'false\n');
    others.push(await keyOf());
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('keys a path input by content, not by path or mtime', async () => {
    const a = (path: string) => pipeline([step('a', { inputs: { d: { kind: 'path', path } } })]);
    const base = (await lookup(sb.store, a(data()), 'a')).key;
    await utimes(data(), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect((await lookup(sb.store, a(data()), 'a')).key).toBe(base);
    await sb.write({ 'elsewhere/copy.csv': await readFile(data(), 'utf8') });
    expect((await lookup(sb.store, a(join(sb.dir, 'elsewhere/copy.csv')), 'a')).key).toBe(base);
    await writeFile(data(), 'a,b\n1,3\n');
    expect((await lookup(sb.store, a(data()), 'a')).key).not.toBe(base);
  });

  it('keys a step input by the upstream outputs: byte-identical outputs give the same downstream key', async () => {
    const up = (cmd: string) => step('up', { command: ['sh', '-c', cmd], outputs: ['out'] });
    const down = step('down', { inputs: { x: { kind: 'step', step: 'up', output: 'out' } } });
    const downKey = async (cmd: string): Promise<string> => {
      const ir = pipeline([up(cmd), down]);
      const x = `exec:${cmd}`;
      const r = await lookup(sb.store, ir, 'up', { x });
      if (r.run) await runJob({ store: sb.store, job: r.job!, workRoot: sb.dir });
      return (await lookup(sb.store, ir, 'down', { x })).key;
    };
    const k1 = await downKey('printf hello > "$PW_OUTPUT_OUT"');
    const k2 = await downKey('printf "hel""lo" > "$PW_OUTPUT_OUT"');
    const k3 = await downKey('printf bye > "$PW_OUTPUT_OUT"');
    expect(k2).toBe(k1);
    expect(k3).not.toBe(k1);
  });
});

describe('createLookupHandler', () => {
  it('reuses a recorded step, writes the reused run document, and reports events', async () => {
    const ir = pipeline([step('a', { command: ['sh', '-c', 'echo out; printf 1 > "$PW_OUTPUT_O"'], outputs: ['o'] })]);
    const events: LookupEvent[] = [];
    const handler = createLookupHandler({ store: sb.store, onEvent: (e) => events.push(e) });
    const miss = await lookup(sb.store, ir, 'a', { handler, x: 'arn:aws:states:local:0:execution:demo:first' });
    expect(miss.run).toBe(true);
    const record = await runJob({ store: sb.store, job: miss.job!, workRoot: sb.dir });
    const hit = await lookup(sb.store, ir, 'a', { handler, x: 'arn:aws:states:local:0:execution:demo:second' });
    expect(hit).toMatchObject({ run: false, key: miss.key, step: 'a', outputs: record.outputs, fail: "Step 'a' failed" });
    expect(hit.job).toBeUndefined();
    expect(events).toEqual([
      { type: 'lookup', step: 'a', key: miss.key, hit: false, runId: 'first' },
      { type: 'lookup', step: 'a', key: miss.key, hit: true, runId: 'second' },
    ]);
    const doc = await sb.store.getJson<StepRunDocument>('runs/second/a.json');
    expect(doc).toMatchObject({
      step: 'a',
      status: 'reused',
      cacheKey: miss.key,
      outputs: record.outputs,
      durationMs: 0,
      savedMs: record.durationMs,
      recordRunId: 'first',
      stdout: record.stdout,
    });
  });

  it('runs again with n: true, with cache: false, and with a changed cacheVersion', async () => {
    const a = step('a', { command: ['sh', '-c', 'printf 1 > "$PW_OUTPUT_O"'], outputs: ['o'] });
    const first = await lookup(sb.store, pipeline([a]), 'a');
    await runJob({ store: sb.store, job: first.job!, workRoot: sb.dir });
    expect((await lookup(sb.store, pipeline([a]), 'a')).run).toBe(false);
    expect((await lookup(sb.store, pipeline([a]), 'a', { n: true })).run).toBe(true);
    expect((await lookup(sb.store, pipeline([{ ...a, cache: false }]), 'a')).run).toBe(true);
    expect((await lookup(sb.store, pipeline([{ ...a, cacheVersion: 'v2' }]), 'a')).run).toBe(true);
  });

  it('stores a job spec with everything the runner needs', async () => {
    const ir = pipeline(
      [step('a', { code: code(), env: { E: '1' }, params: ['k'], outputs: ['o'], compute: { vcpus: 1, memory: 1, gpus: 2, queue: 'gpu' } })],
      { parameters: { k: { type: 'number' } } },
    );
    const r = await lookup(sb.store, ir, 'a', { p: { k: 0.5 }, x: 'arn:x:execution:sm:run-7' });
    const job = JSON.parse((await sb.store.getBytes(r.job!)).toString());
    expect(job).toMatchObject({ v: 1, pipeline: 'demo', runId: 'run-7', step: 'a', key: r.key, env: { E: '1' }, params: { k: 0.5 }, outputs: ['o'], gpus: 2 });
    expect(cacheKey(job.keyDocument)).toBe(r.key);
  });

  it('re-runs a step whose recorded output is corrupted, with a warning', async () => {
    const a = step('a', { command: ['sh', '-c', 'printf data > "$PW_OUTPUT_O"'], outputs: ['o'] });
    const first = await lookup(sb.store, pipeline([a]), 'a');
    const record = await runJob({ store: sb.store, job: first.job!, workRoot: sb.dir });
    await writeFile(join(sb.dir, 'store', blobKey(refHash(record.outputs.o))), 'tampered');
    const warnings: string[] = [];
    const handler = createLookupHandler({ store: sb.store, onWarning: (w) => warnings.push(w) });
    const again = await lookup(sb.store, pipeline([a]), 'a', { handler });
    expect(again.run).toBe(true);
    expect(warnings.join('\n')).toMatch(/Step 'a': .* damaged/);
    // The re-run rewrites the blob (the corrupt copy was moved aside), and the step is reusable again.
    await runJob({ store: sb.store, job: again.job!, workRoot: sb.dir });
    expect((await lookup(sb.store, pipeline([a]), 'a', { handler })).run).toBe(false);
  });

  it('names both steps when the upstream record is missing', async () => {
    const ir = pipeline([step('train', { outputs: ['model'] }), step('evaluate', { inputs: { m: { kind: 'step', step: 'train', output: 'model' } } })]);
    await expect(lookup(sb.store, ir, 'evaluate')).rejects.toThrow(/Step 'evaluate' needs the outputs of step 'train'.*no record of 'train'/);
  });

  it('names the step and input of an unsupported uri input, and accepts a resolver', async () => {
    const ir = pipeline([step('a', { inputs: { raw: { kind: 'uri', uri: 's3://bucket/key', bucket: 'bucket', key: 'key' } } })]);
    await expect(lookup(sb.store, ir, 'a')).rejects.toThrow(/Step 'a' input 'raw': uri inputs \(s3:\/\/bucket\/key\) are not supported/);
    const ref = await sb.store.putBytes(Buffer.from('remote'));
    const handler = createLookupHandler({ store: sb.store, resolveUri: async () => ref });
    const r = await lookup(sb.store, ir, 'a', { handler });
    const job = JSON.parse((await sb.store.getBytes(r.job!)).toString());
    expect(job.inputs).toEqual({ raw: ref });
  });

  it('says which parameter a run lacks', async () => {
    await expect(lookup(sb.store, pipeline([step('a', { params: ['epochs'] })]), 'a')).rejects.toThrow(/parameter 'epochs'.*--param epochs=/);
  });
});

describe('buildManifest errors', () => {
  it('rejects a code path that is a file', async () => {
    const ir = pipeline([step('a', { code: join(sb.dir, 'code/main.sh') })]);
    await expect(buildManifest(ir, sb.store)).rejects.toThrow(/steps\.a\.code: code .*main\.sh is a file; expected a directory/);
  });
});

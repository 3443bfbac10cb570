/**
 * Argument errors of `pipewright run` and friends exit 2 with a message, before anything runs (in-process `main`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main';
import { parseConcurrency, parseParamFlags } from '../../lib/cli/commands/run';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-cli-args-'));
  await writeFile(
    join(dir, 'p.yaml'),
    `name: args
parameters:
  times: { type: integer, default: 2, minimum: 1 }
  mode: { type: string, enum: [fast, slow], default: fast }
  needed: { type: number }
steps:
  a:
    command: [sh, -c, 'echo "$PW_PARAM_TIMES" > "$PW_OUTPUT_OUT"']
    params: [times]
    outputs: [out]
`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runMain(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await main(args);
    return { code, stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('pipewright run argument errors', () => {
  const store = () => ['--store', join(dir, 'store')];
  it.each([
    [['--param', 'needed=1', '--param', 'nope=1'], /unknown parameter "nope"/],
    [['--param', 'needed=1', '--param', 'times=many'], /parameter "times"/],
    [['--param', 'needed=1', '--param', 'times=0'], /parameter "times"/],
    [['--param', 'needed=1', '--param', 'mode=medium'], /parameter "mode"/],
    [[], /parameter "needed" is required/],
    [['--param', 'needed'], /expected name=value/],
    [['--param', 'needed=1', '--concurrency', '0'], /--concurrency: expected a positive integer/],
    [['--param', 'needed=1', '--concurrency', '1.5'], /--concurrency: expected a positive integer/],
  ])('%j exits 2 with a message', async (args, message) => {
    const r = await runMain(['run', join(dir, 'p.yaml'), ...args, ...store()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('reports every bad parameter at once', async () => {
    const r = await runMain(['run', join(dir, 'p.yaml'), '--param', 'times=x', '--param', 'mode=y', ...store()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/times[\s\S]*mode[\s\S]*needed/);
  });

  it('exits 2 for a missing definition and for an unknown option', async () => {
    expect((await runMain(['run', join(dir, 'missing.yaml'), ...store()])).code).toBe(2);
    expect((await runMain(['run', join(dir, 'p.yaml'), '--bogus'])).code).toBe(2);
  });

  it('logs rejects an unknown --stream', async () => {
    const r = await runMain(['logs', 'latest', 'a', '--stream', 'both', ...store()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--stream: expected stdout or stderr/);
  });

  it('show, logs, get and explain exit 2 when the store has no runs', async () => {
    for (const args of [['show', 'latest'], ['logs', 'latest', 'a'], ['get', 'latest', 'a.out', join(dir, 'x')], ['explain', 'latest', 'a']]) {
      const r = await runMain([...args, ...store()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/No runs in the store/);
    }
  });

  it('get rejects an artifact name without a dot', async () => {
    const r = await runMain(['get', 'latest', 'model', join(dir, 'x'), ...store()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected <step>\.<output>/);
  });
});

describe('flag parsing', () => {
  it('parses --param name=value, keeping = inside values', () => {
    expect(parseParamFlags(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
  });
  it('parses --concurrency', () => {
    expect(parseConcurrency(undefined)).toBeUndefined();
    expect(parseConcurrency('3')).toBe(3);
    expect(() => parseConcurrency('-1')).toThrow(/positive integer/);
  });
});

/**
 * Issue 8 §5: parsing and names. Linear duplicate-key checks and a size limit, alias bombs and bad bytes
 * with a line, inherited property names treated as names, repeated --param, unknown commands, a store path
 * that cannot be a directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main';
import { parseParamFlags } from '../../lib/cli/commands/run';
import { DefinitionError, UsageError } from '../../lib/errors';
import { lastMetricValues } from '../../lib/protocol';
import { loadPipeline, MAX_DEFINITION_BYTES } from '../../lib/spec/load';
import { resolveParameters } from '../../lib/spec/parameters';
import { createFsStore } from '../../lib/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-parse-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function problemsOf(name: string, content: string | Buffer): Promise<string> {
  writeFileSync(join(dir, name), content);
  try {
    await loadPipeline(join(dir, name));
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return (err as Error).message;
  }
}

const STEP = 'steps:\n  a:\n    command: [sh, -c, "true"]\n';

describe('definition files', () => {
  it('checks duplicate keys in linear time: a 60,000-key mapping is reported in seconds, not minutes', async () => {
    // Quadratic checking took 15 s for 40,000 keys on the CI machine; linear takes well under a second.
    const keys = Array.from({ length: 60_000 }, (_, i) => `  K${i}: v`).join('\n');
    const t0 = Date.now();
    const msg = await problemsOf('big.yaml', `name: big\n${STEP}    env:\n${keys.replace(/^ {2}/gm, '      ')}\n      K7: again\n`);
    expect(msg).toMatch(/big\.yaml:\d+: steps\.a\.env\.K7: the key "K7" appears more than once in this mapping; keep one/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);

  it('refuses a file over the size limit with a clear error, before parsing', async () => {
    const msg = await problemsOf('huge.yaml', Buffer.alloc(MAX_DEFINITION_BYTES + 1, 0x20));
    expect(msg).toMatch(/huge\.yaml: the file is \d+ bytes; definitions may be at most 8388608 bytes/);
  });

  it('reports an alias bomb with the file and a line', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
    expect(await problemsOf('bomb.yaml', `${bomb}\nname: x\n${STEP}`)).toMatch(/bomb\.yaml:2: YAML aliases expand too far/);
  });

  it('rejects bytes that are not UTF-8, naming the line', async () => {
    const bytes = Buffer.concat([Buffer.from(`name: x\n${STEP}    env: { A: "`), Buffer.from([0xff, 0xfe]), Buffer.from('" }\n')]);
    expect(await problemsOf('bytes.yaml', bytes)).toMatch(/bytes\.yaml:5: the text is not valid UTF-8; save the file as UTF-8/);
  });

  it('accepts a JSON file that starts with a byte-order mark', async () => {
    expect(await problemsOf('bom.json', `\uFEFF${JSON.stringify({ name: 'x', steps: { a: { command: ['true'] } } })}`)).toBe('');
  });

  it('keeps an env variable named __proto__ as a variable', async () => {
    writeFileSync(join(dir, 'p.yaml'), `name: x\n${STEP}    env: { __proto__: one, B: two }\n`);
    const ir = await loadPipeline(join(dir, 'p.yaml'));
    expect(Object.keys(ir.steps.a.env)).toEqual(['B', '__proto__']);
  });
});

describe('names that objects inherit', () => {
  it('rejects --param constructor and __proto__ as unknown parameters', async () => {
    writeFileSync(join(dir, 'p.yaml'), `name: x\nparameters:\n  epochs: { type: integer, default: 1 }\n${STEP}`);
    const ir = await loadPipeline(join(dir, 'p.yaml'));
    const given = parseParamFlags(['constructor=1', '__proto__=2', 'toString=3']);
    expect(Object.keys(given)).toEqual(['constructor', '__proto__', 'toString']);
    expect(() => resolveParameters(ir, given, { fromStrings: true })).toThrow(UsageError);
    expect(() => resolveParameters(ir, given, { fromStrings: true })).toThrow(/constructor[\s\S]*__proto__[\s\S]*toString/);
  });

  it('keeps a metric named __proto__', () => {
    expect(Object.keys(lastMetricValues([{ name: '__proto__', value: 1 }, { name: 'loss', value: 2 }]))).toEqual(['__proto__', 'loss']);
  });

  it('refuses a repeated --param', () => {
    expect(() => parseParamFlags(['epochs=1', 'epochs=2'])).toThrow(/--param epochs is given more than once \("1" and "2"\)/);
  });
});

describe('the command line', () => {
  it('an unknown command exits 2 with a suggestion, even with --help', async () => {
    const write = process.stderr.write.bind(process.stderr);
    let err = '';
    process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
    try {
      expect(await main(['compil', '--help'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(/unknown command 'compil'\. Did you mean "compile"\?/);
  });

  it('a store under /proc or below a file is a clear UsageError, not a spin or a raw ENOTDIR', async () => {
    await expect(createFsStore('/proc/pw-no-such/store').putBytes(Buffer.from('x'))).rejects.toThrow(/The store \/proc\/pw-no-such\/store cannot be used/);
    writeFileSync(join(dir, 'file'), 'x');
    await expect(createFsStore(join(dir, 'file', 'store')).putBytes(Buffer.from('x'))).rejects.toThrow(UsageError);
  }, 10_000);
});

/**
 * loadPipeline: every supported file kind, and usage errors that name the file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DefinitionError, UsageError } from '../../lib/errors';
import { loadPipeline } from '../../lib/spec';
import { makeWorkspace } from './support';

const DSL_IMPORT = new URL('../../lib/dsl/index.ts', import.meta.url).pathname;

describe('loadPipeline', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeWorkspace();
    writeFileSync(join(dir, 'p.yml'), 'name: y\nsteps:\n  a: { command: [x], code: ./steps }\n');
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ name: 'j', steps: { a: { command: ['x'], inputs: { d: { path: './data.csv' } } } } }));
    writeFileSync(
      join(dir, 'p.ts'),
      `import { path, pipeline } from ${JSON.stringify(DSL_IMPORT)};
const p = pipeline('dsl');
p.step('a', { command: ['x'], code: './steps', inputs: { d: path('./data.csv') } });
export default p;
`,
    );
    writeFileSync(join(dir, 'plain.mjs'), `export default { name: 'plain', steps: { a: { command: ['x'] } } };\n`);
    writeFileSync(join(dir, 'nodefault.mjs'), `export const p = 1;\n`);
    writeFileSync(join(dir, 'throws.mjs'), `throw new Error('boom');\n`);
    writeFileSync(join(dir, 'bad.mjs'), `export default { name: 'bad', steps: { a: { command: ['x'], retries: 11 } } };\n`);
    mkdirSync(join(dir, 'folder.yaml'));
  });

  it('loads .yml and resolves code against the file', async () => {
    const ir = await loadPipeline(join(dir, 'p.yml'));
    expect(ir.steps.a.code).toBe(join(dir, 'steps'));
    expect(ir.source).toBe(join(dir, 'p.yml'));
  });

  it('loads .json', async () => {
    const ir = await loadPipeline(join(dir, 'p.json'));
    expect(ir.steps.a.inputs.d).toEqual({ kind: 'path', path: join(dir, 'data.csv') });
  });

  it('loads a .ts DSL module and resolves its paths against the module folder', async () => {
    const ir = await loadPipeline(join(dir, 'p.ts'));
    expect(ir.name).toBe('dsl');
    expect(ir.steps.a.code).toBe(join(dir, 'steps'));
    expect(ir.steps.a.inputs.d).toEqual({ kind: 'path', path: join(dir, 'data.csv') });
  });

  it('accepts a plain descriptor as the default export', async () => {
    expect((await loadPipeline(join(dir, 'plain.mjs'))).name).toBe('plain');
  });

  it('validates a module with the same validator (no line numbers)', async () => {
    const file = join(dir, 'bad.mjs');
    await expect(loadPipeline(file)).rejects.toThrow(DefinitionError);
    await expect(loadPipeline(file)).rejects.toMatchObject({
      problems: [{ file, path: 'steps.a.retries', message: expect.stringMatching(/from 0 to 9; received the number 11/) }],
    });
  });

  it('reports a module without a default export or one that throws', async () => {
    await expect(loadPipeline(join(dir, 'nodefault.mjs'))).rejects.toThrow(/no default export/);
    await expect(loadPipeline(join(dir, 'throws.mjs'))).rejects.toThrow(/the module failed to load: boom/);
  });

  it('rejects a missing file with a UsageError naming it', async () => {
    await expect(loadPipeline('nope/missing.yaml')).rejects.toThrow(UsageError);
    await expect(loadPipeline('nope/missing.yaml')).rejects.toThrow(/^nope\/missing\.yaml: no such file/);
  });

  it('rejects an unsupported extension with a UsageError naming it', async () => {
    await expect(loadPipeline(join(dir, 'data.csv'))).rejects.toThrow(UsageError);
    await expect(loadPipeline(join(dir, 'data.csv'))).rejects.toThrow(/data\.csv: unsupported definition file extension "\.csv"/);
  });

  it('rejects a directory', async () => {
    await expect(loadPipeline(join(dir, 'folder.yaml'))).rejects.toThrow(/is not a file/);
  });
});

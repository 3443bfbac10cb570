/**
 * Golden files of the compiled examples: `test/compiler/__golden__/<example>.json`.
 *
 * After an intended change to the compiler, regenerate them with
 * `UPDATE_GOLDEN=1 npx vitest run --config vitest.config.ts test/compiler/golden.test.ts` and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../lib/compiler/index';
import { loadPipeline } from '../../lib/spec/load';
import { substituted, validate } from './support';

const ROOT = join(__dirname, '..', '..');
const GOLDEN = join(__dirname, '__golden__');

/** The golden document of a definition file: what the compiler promises its consumers. */
async function render(file: string): Promise<string> {
  const { definition, jobDefinitions, placeholders } = compile(await loadPipeline(file));
  return `${JSON.stringify({ definition, jobDefinitions, placeholders }, null, 2)}\n`;
}

describe('golden: examples', () => {
  it('examples/iris/pipeline.yaml compiles to the golden definition', async () => {
    // GIVEN the iris example  WHEN compiled
    const actual = await render(join(ROOT, 'examples/iris/pipeline.yaml'));
    const golden = join(GOLDEN, 'iris.json');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, actual);
    expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
    // THEN it matches the reviewed golden file byte for byte
    expect(actual).toBe(readFileSync(golden, 'utf8'));
  });

  it('examples/iris/pipeline.ts (the DSL twin) compiles to the same golden definition', async () => {
    const actual = await render(join(ROOT, 'examples/iris/pipeline.ts'));
    expect(actual).toBe(readFileSync(join(GOLDEN, 'iris.json'), 'utf8'));
  });

  it('the compiled iris example passes asl-validator with its placeholders substituted', async () => {
    const compiled = compile(await loadPipeline(join(ROOT, 'examples/iris/pipeline.yaml')));
    const definition = substituted(compiled);
    expect(JSON.stringify(definition)).not.toContain('${');
    expect(validate(definition)).toEqual({ isValid: true, text: '' });
  });
});

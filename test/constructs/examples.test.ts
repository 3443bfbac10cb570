/**
 * Every example pipeline (spec and DSL) and every pipeline in `pipelines/` synthesizes on the platform.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preparePipeline } from '../../lib/constructs';
import { stateMachines, synthStack, validateAsl } from './support';

const ROOT = join(import.meta.dirname, '../..');
const DEFINITION = /\.(ya?ml|json|ts)$/;

function definitions(): string[] {
  const files: string[] = [];
  for (const dir of readdirSync(join(ROOT, 'examples'))) {
    for (const f of readdirSync(join(ROOT, 'examples', dir))) {
      if (DEFINITION.test(f) && !f.endsWith('.test.ts')) files.push(join('examples', dir, f));
    }
  }
  for (const f of readdirSync(join(ROOT, 'pipelines'))) if (DEFINITION.test(f)) files.push(join('pipelines', f));
  return files.sort();
}

describe('example pipelines', () => {
  it.each(definitions())('%s synthesizes with a valid, fully substituted definition', async (file) => {
    const prepared = await preparePipeline(join(ROOT, file));
    const { template } = synthStack({ pipelines: [prepared] });
    const [sm] = stateMachines(template);
    expect(sm.substituted).not.toContain('${');
    expect(validateAsl(JSON.parse(sm.substituted))).toEqual({ isValid: true, text: '' });
  });
});

/**
 * A generated 1,000-step pipeline synthesizes within Step Functions' 1 MB definition limit once substituted.
 */
import { describe, expect, it } from 'vitest';
import { preparePipeline } from '../../lib/constructs';
import { makeIr, randomSteps } from '../compiler/fixtures';
import { stateMachines, synthStack } from './support';

const DEFINITION_LIMIT = 1_048_576;

describe('a 1,000-step pipeline', () => {
  it('synthesizes with a substituted definition under 1,048,576 characters and no placeholder left', async () => {
    const prepared = await preparePipeline(makeIr(randomSteps(1000, 42), 'thousand'));
    const { template } = synthStack({ pipelines: [prepared] });
    const [sm] = stateMachines(template);
    expect(sm.substituted).not.toContain('${');
    expect(sm.substituted.length).toBeLessThan(DEFINITION_LIMIT);
    expect(Object.keys(JSON.parse(sm.substituted).States).length).toBeGreaterThan(1);
  });
});

/**
 * A generated 900-step pipeline synthesizes within Step Functions' 1 MB definition limit once substituted.
 */
import { describe, expect, it } from 'vitest';
import { preparePipeline } from '../../lib/constructs';
import { makeIr, randomSteps } from '../compiler/fixtures';
import { stateMachines, synthStack } from './support';

const DEFINITION_LIMIT = 1_048_576;

describe('a 900-step pipeline', () => {
  it('synthesizes with a substituted definition under 1,048,576 characters and no placeholder left', async () => {
    const prepared = await preparePipeline(makeIr(randomSteps(900, 42), 'thousand'));
    const { template } = synthStack({ pipelines: [prepared] });
    const [sm] = stateMachines(template);
    expect(sm.substituted).not.toContain('${');
    expect(sm.substituted.length).toBeLessThan(DEFINITION_LIMIT);
    expect(Object.keys(JSON.parse(sm.substituted).States).length).toBeGreaterThan(1);
  });
});

describe('a pipeline whose definition cannot fit', () => {
  it('fails the synth naming the pipeline, the estimated size and the fix', async () => {
    // GIVEN 1,000 steps with 60-character names (each name appears several times per step)
    const long = randomSteps(1000, 7).map((s) => ({ ...s, name: `${s.name}_`.padEnd(60, 'x'), deps: s.deps.map((d) => `${d}_`.padEnd(60, 'x')) }));
    const prepared = await preparePipeline(makeIr(long, 'too-big'));
    // WHEN it is synthesized THEN the construct refuses, before any template is written
    expect(() => synthStack({ pipelines: [prepared] })).toThrow(
      /the deployed state machine definition would be about \d+ characters \(\d+ per step for 1000 steps\); Step Functions accepts at most 1048576\. Shorten the step names/,
    );
  });
});

describe('the widest 900-step pipeline', () => {
  it('still synthesizes when the lookup ARN is counted at its longest possible length', async () => {
    // GIVEN 900 independent steps (every step its own Parallel branch: the largest definition per step)
    const prepared = await preparePipeline(makeIr(Array.from({ length: 900 }, (_, i) => ({ name: `s${String(i).padStart(4, '0')}`, deps: [] })), 'wide'));
    // WHEN it is synthesized THEN the size check passes and the definition is under the limit
    const [sm] = stateMachines(synthStack({ pipelines: [prepared] }).template);
    expect(sm.substituted.length).toBeLessThan(DEFINITION_LIMIT);
  });
});

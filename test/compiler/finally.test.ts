/**
 * Golden states of a finally-step: its Batch Task carries the step's TimeoutSeconds like every other Batch
 * Task (without one the local interpreter stops any Task after 60 s, and Step Functions waits forever).
 */
import { describe, expect, it } from 'vitest';
import { compile, taskTimeoutSeconds } from '../../lib/compiler/index';
import type { PipelineIR } from '../../lib/ir/types';
import { makeIr } from './fixtures';
import { substituted, validate } from './support';

/** `a`, then the finally-step `notify` with a 2-hour timeout. */
function finallyIr(): PipelineIR {
  const ir = makeIr([{ name: 'a', deps: [] }, { name: 'notify', deps: [], timeoutSeconds: 7200 }]);
  return { ...ir, steps: { ...ir.steps, notify: { ...ir.steps.notify, final: true } } };
}

describe('compile: finally-steps', () => {
  it('gives the finally-step its Batch Task, with its own timeout, retriers and a Catch that passes over to the end', () => {
    // GIVEN a pipeline with one finally-step
    // WHEN compiled
    const s = compile(finallyIr()).definition.States as unknown as Record<string, Record<string, unknown>>;
    // THEN its run Task is a submitJob.sync with TimeoutSeconds derived from its 2 h timeout
    expect(s['notify run']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      Parameters: { JobName: 'notify', Parameters: { 'job.$': '$.c.job' } },
      ResultPath: null,
      TimeoutSeconds: taskTimeoutSeconds({ timeoutSeconds: 7200 }),
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.c.e', Next: 'Finished?' }],
      Next: 'Finished?',
    });
    expect(s['notify run'].TimeoutSeconds).toBe(10 * 7200 + 86_400);
  });

  it('passes asl-validator with its placeholders substituted', () => {
    expect(validate(substituted(compile(finallyIr())))).toEqual({ isValid: true, text: '' });
  });
});

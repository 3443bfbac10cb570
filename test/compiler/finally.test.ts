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

  it('starts at Stopped?, the finally-only entry: a stopped execution is read, its context rebuilt, and only the finally-steps run', () => {
    // GIVEN a pipeline with a finally-step
    // WHEN compiled
    const { definition } = compile(finallyIr());
    const s = definition.States as unknown as Record<string, Record<string, unknown>>;
    // THEN an execution whose input has `a` (the stopped execution's ARN) goes to `Stopped run`, any other to Start
    expect(definition.StartAt).toBe('Stopped?');
    expect(s['Stopped?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.a', IsPresent: true, Next: 'Stopped run' }], Default: 'Start' });
    // AND `Stopped run` reads it with the AWS SDK integration of DescribeExecution, parsing its input string
    // (intrinsic States.StringToJson: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html)
    expect(s['Stopped run']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
      Parameters: { 'ExecutionArn.$': '$.a' },
      ResultSelector: { 'i.$': 'States.StringToJson($.Input)', 's.$': '$.Status' },
      ResultPath: '$.d',
      Next: 'Stopped how?',
    });
    // AND only ABORTED and TIMED_OUT executions that were not finally-only themselves get their finally-steps
    expect(s['Stopped how?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.d.i.a', IsPresent: true, Next: 'Nothing to finish' },
        { Variable: '$.d.s', StringEquals: 'ABORTED', Next: 'Cancelled' },
        { Variable: '$.d.s', StringEquals: 'TIMED_OUT', Next: 'Timed out' },
      ],
      Default: 'Nothing to finish',
    });
    expect(s['Timed out']).toEqual({
      Type: 'Pass',
      Parameters: {
        'p.$': '$.d.i.p',
        'n.$': '$.d.i.n',
        m: '${Manifest}',
        'x.$': '$.a',
        'a.$': '$.a',
        'y.$': '$$.Execution.Id',
        f: { Error: 'Pipewright.TimedOut', Cause: 'the run timed out (its execution exceeded its timeout)' },
      },
      Next: 'notify',
    });
    expect(s.Cancelled).toMatchObject({ Parameters: { f: { Error: 'Pipewright.Cancelled' } }, Next: 'notify' });
  });

  it('passes asl-validator with its placeholders substituted', () => {
    expect(validate(substituted(compile(finallyIr())))).toEqual({ isValid: true, text: '' });
  });
});

/**
 * Golden states of a foreach step, their validity, and their routing in the real interpreter.
 */
import '../../lib/compat/promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { compile, renderDefinition, MAX_TASK_TIMEOUT_SECONDS } from '../../lib/compiler/index';
import type { PipelineIR } from '../../lib/ir/types';
import { makeIr } from './fixtures';
import { substituted, validate } from './support';

/** `split → score (foreach over split.out) → merge`. */
function foreachIr(): PipelineIR {
  const ir = makeIr([
    { name: 'split', deps: [] },
    { name: 'score', deps: [] },
    { name: 'merge', deps: ['score'] },
  ]);
  const score = {
    ...ir.steps.score,
    foreach: { source: { kind: 'step', step: 'split', output: 'out' }, batch: 1, tolerate: { kind: 'count', count: 0 }, maxConcurrency: 0 },
  } as const;
  return { ...ir, steps: { ...ir.steps, score } };
}

describe('compile: foreach', () => {
  it('emits the lookup, reuse Choice, job-count Choice, array job, single job and gather', () => {
    // GIVEN a foreach step between two plain steps  WHEN compiled
    const { definition, stateNames } = compile(foreachIr());
    const s = definition.States;
    // THEN the foreach depends on its source, and its states are exactly these
    expect(Object.keys(s)).toEqual([
      'Start', 'split', 'split reused?', 'split run',
      'score', 'score reused?', 'score jobs?', 'score array', 'score run', 'score gather',
      'merge', 'merge reused?', 'merge run', 'Failed 0', 'Done 0',
    ]);
    expect(s['score reused?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.c.run', BooleanEquals: true, Next: 'score jobs?' }],
      Default: 'merge',
    });
    // A Batch array job must have 2 to 10,000 children ("Valid values are integers between 2 and 10,000",
    // https://docs.aws.amazon.com/batch/latest/APIReference/API_ArrayProperties.html), so one job is a plain job.
    expect(s['score jobs?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.c.jobs', NumericGreaterThanEquals: 2, Next: 'score array' },
        { Variable: '$.c.jobs', NumericEquals: 1, Next: 'score run' },
      ],
      Default: 'score gather',
    });
    expect(s['score array']).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      Parameters: {
        JobName: 'score',
        JobQueue: '${QueueCpu}',
        JobDefinition: '${JobDefinition0}',
        ArrayProperties: { 'Size.$': '$.c.jobs' },
        Parameters: { 'job.$': '$.c.job' },
        // A child runs its items one after another: the plan sizes the attempt (JobTimeout.attemptDurationSeconds,
        // https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html — "timeout" overrides the job definition's).
        Timeout: { 'AttemptDurationSeconds.$': '$.c.t' },
      },
      ResultPath: null,
      // Children may wait for capacity behind one another, so the array waits as long as a Task may.
      TimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS,
      Retry: [
        {
          ErrorEquals: ['Batch.AWSBatchException', 'Batch.ServerException', 'Batch.TooManyRequestsException'],
          MaxAttempts: 6,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.c.e', Next: 'score gather' }],
      Next: 'score gather',
    });
    expect(s['score gather']).toEqual({
      Type: 'Task',
      Resource: '${LookupFunction}',
      Parameters: { s: 'score', g: true, 'i.$': '$' },
      ResultPath: null,
      Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.c.e', Next: 'Failed 0' }],
      Next: 'merge',
    });
    expect(stateNames.array).toEqual({ score: 'score array' });
    expect(stateNames.gather).toEqual({ score: 'score gather' });
  });

  it('passes asl-validator with its placeholders substituted', () => {
    expect(validate(substituted(compile(foreachIr())))).toEqual({ isValid: true, text: '' });
  });

  it('adds a constant number of states whatever the item count: no item list is in the definition', () => {
    const compiled = compile(foreachIr());
    expect(renderDefinition(compiled)).not.toMatch(/"Map"|ItemReader|Iterator/);
  });

  it.each([
    [0, ['score', 'score gather']],
    [1, ['score', 'score run', 'score gather']],
    [7, ['score', 'score array', 'score gather']],
  ])('routes a plan of %i job(s) in the real interpreter', async (jobs, expected) => {
    // GIVEN the compiled machine and handlers standing in for the lookup function and Batch
    const compiled = compile(foreachIr());
    const called: string[] = [];
    const arraySizes: unknown[] = [];
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const step of ['split', 'score', 'merge']) {
      handlers[step] = async () => ({ step, key: `sha256:${step}`, run: step === 'score', jobs, job: 'sha256:plan', t: 120, fail: `Step '${step}' failed` });
      handlers[`${step} run`] = async () => {
        if (step === 'score') called.push('score run');
        return {};
      };
    }
    handlers['score'] = async () => {
      called.push('score');
      return { step: 'score', key: 'sha256:score', run: true, jobs, job: 'sha256:plan', t: 120, fail: "Step 'score' failed" };
    };
    handlers['score array'] = async (input) => {
      called.push('score array');
      arraySizes.push((input as { ArrayProperties: { Size: unknown } }).ArrayProperties.Size);
      expect(input).toMatchObject({ Timeout: { AttemptDurationSeconds: 120 } });
      return {};
    };
    handlers['score run'] = async (input) => {
      called.push('score run');
      expect(input).toMatchObject({ Timeout: { AttemptDurationSeconds: 120 } });
      return {};
    };
    handlers['score gather'] = async (input) => {
      called.push('score gather');
      expect(input).toMatchObject({ s: 'score', g: true, i: { c: { jobs } } });
      return {};
    };
    const sm = new StateMachine(substituted(compiled) as never, { validationOptions: { noValidate: true } });
    // WHEN it runs
    await sm.run({ p: {}, n: false } as never, { context: { Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:execution:sm:run-1' } }, overrides: { taskResourceLocalHandlers: handlers as never } }).result;
    // THEN the job-count Choice picked the right path, and the array job got the count as its size
    expect(called).toEqual(expected);
    if (jobs >= 2) expect(arraySizes).toEqual([jobs]);
  });

  it('a failed array job still reaches the gather, which decides against tolerate', async () => {
    const compiled = compile(foreachIr());
    const called: string[] = [];
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
      split: async () => ({ step: 'split', key: 'sha256:a', run: false, fail: "Step 'split' failed" }),
      score: async () => ({ step: 'score', key: 'sha256:b', run: true, jobs: 3, job: 'sha256:plan', t: 60, fail: "Step 'score' failed" }),
      'score array': async () => {
        throw Object.assign(new Error('1 of 3 children failed'), { name: 'States.TaskFailed' });
      },
      'score gather': async (input) => {
        called.push(`gather saw ${JSON.stringify((input as { i: { c: { e?: unknown } } }).i.c.e !== undefined)}`);
        return {};
      },
      merge: async () => {
        called.push('merge');
        return { step: 'merge', key: 'sha256:c', run: false, fail: "Step 'merge' failed" };
      },
    };
    const sm = new StateMachine(substituted(compiled) as never, { validationOptions: { noValidate: true } });
    await sm.run({ p: {}, n: false } as never, { context: { Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:execution:sm:run-1' } }, overrides: { taskResourceLocalHandlers: handlers as never } }).result;
    expect(called).toEqual(['gather saw true', 'merge']);
  });
});

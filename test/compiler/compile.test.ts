/** Golden tests of the compiled ASL for small hand-built pipelines, plus the compiler's other promises. */
import { describe, expect, it } from 'vitest';
import {
  compile,
  placeholdersIn,
  renderDefinition,
  substitute,
  type AslDefinition,
  type AslState,
} from '../../lib/compiler/index';
import type { PipelineIR } from '../../lib/ir/types';
import { type FixtureStep, linearSteps, makeIr, randomSteps, shuffled, wideSteps } from './fixtures';
import { substituted, validate } from './support';

/**
 * Transient Batch API errors, retried with backoff and full jitter. Step Functions names a service
 * integration's errors `<Service>.<ExceptionName>` (developer guide, "Handling errors in Step Functions
 * workflows"); Batch's API reference lists ClientException and ServerException, and throttling surfaces as
 * TooManyRequestsException.
 */
const BATCH_RETRY = [
  {
    ErrorEquals: ['Batch.AWSBatchException', 'Batch.ServerException', 'Batch.TooManyRequestsException'],
    MaxAttempts: 6,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
];

/** The compiled definition of fixture steps. */
function render(steps: readonly FixtureStep[]): AslDefinition {
  return compile(makeIr(steps)).definition;
}

// The three states of a step, written out once here so the goldens below read as structure.
const START = (next: string) => ({
  Start: { Type: 'Pass', Parameters: { 'p.$': '$.p', 'n.$': '$.n', m: '${Manifest}', 'x.$': '$$.Execution.Id' }, Next: next },
});
function step(s: string, next: string | undefined, branch: number, queue = 'QueueCpu', jobDefinition = 'JobDefinition0') {
  return {
    [s]: {
      Type: 'Task',
      Resource: '${LookupFunction}',
      Parameters: { s, 'i.$': '$' },
      ResultPath: '$.c',
      Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'] }],
      Next: `${s} reused?`,
    },
    [`${s} reused?`]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.c.run', BooleanEquals: true, Next: `${s} run` }],
      Default: next ?? `Done ${branch}`,
    },
    [`${s} run`]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      Parameters: {
        JobName: s,
        JobQueue: `\${${queue}}`,
        JobDefinition: `\${${jobDefinition}}`,
        Parameters: { 'job.$': '$.c.job' },
      },
      ResultPath: null,
      Retry: BATCH_RETRY,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.c.e', Next: `Failed ${branch}` }],
      ...(next ? { Next: next } : { End: true }),
    },
  };
}
const failed = (b: number) => ({ [`Failed ${b}`]: { Type: 'Fail', Error: 'Pipewright.StepFailed', CausePath: '$.c.fail' } });
const done = (b: number) => ({ [`Done ${b}`]: { Type: 'Succeed' } });
/** A branch holding one step. */
const single = (s: string, b: number, queue?: string, jd?: string) => ({
  StartAt: s,
  States: { ...step(s, undefined, b, queue, jd), ...failed(b), ...done(b) },
});

describe('compile: golden ASL', () => {
  it('chains a linear pipeline with one Fail and one Succeed state', () => {
    // GIVEN a → b → c
    const steps = [
      { name: 'a', deps: [] },
      { name: 'b', deps: ['a'] },
      { name: 'c', deps: ['b'] },
    ];
    // WHEN compiled
    const def = render(steps);
    // THEN the states follow each other, the last Choice ends in `Done 0`
    expect(def).toEqual({
      StartAt: 'Start',
      States: {
        Start: { Type: 'Pass', Parameters: { 'p.$': '$.p', 'n.$': '$.n', m: '${Manifest}', 'x.$': '$$.Execution.Id' }, Next: 'a' },
        a: {
          Type: 'Task',
          Resource: '${LookupFunction}',
          Parameters: { s: 'a', 'i.$': '$' },
          ResultPath: '$.c',
          Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'] }],
          Next: 'a reused?',
        },
        'a reused?': { Type: 'Choice', Choices: [{ Variable: '$.c.run', BooleanEquals: true, Next: 'a run' }], Default: 'b' },
        'a run': {
          Type: 'Task',
          Resource: 'arn:aws:states:::batch:submitJob.sync',
          Parameters: {
            JobName: 'a',
            JobQueue: '${QueueCpu}',
            JobDefinition: '${JobDefinition0}',
            Parameters: { 'job.$': '$.c.job' },
              },
          ResultPath: null,
          Retry: BATCH_RETRY,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.c.e', Next: 'Failed 0' }],
          Next: 'b',
        },
        ...step('b', 'c', 0),
        ...step('c', undefined, 0),
        'Failed 0': { Type: 'Fail', Error: 'Pipewright.StepFailed', CausePath: '$.c.fail' },
        'Done 0': { Type: 'Succeed' },
      },
    });
  });

  it('puts the two sides of a diamond in one Parallel state', () => {
    // GIVEN top → left, right → bottom
    const def = render([
      { name: 'top', deps: [] },
      { name: 'left', deps: ['top'] },
      { name: 'right', deps: ['top'] },
      { name: 'bottom', deps: ['left', 'right'] },
    ]);
    // THEN top ; Parallel(left | right) ; bottom
    expect(def).toEqual({
      StartAt: 'Start',
      States: {
        ...START('top'),
        ...step('top', 'Parallel 0', 0),
        'Parallel 0': { Type: 'Parallel', Branches: [single('left', 1), single('right', 2)], ResultPath: null, Next: 'bottom' },
        ...step('bottom', undefined, 0),
        ...failed(0),
        ...done(0),
      },
    });
  });

  it('nests sequences inside a fan-out/fan-in', () => {
    // GIVEN src → (x1 → x2), y → sink
    const def = render([
      { name: 'src', deps: [] },
      { name: 'x1', deps: ['src'] },
      { name: 'x2', deps: ['x1'] },
      { name: 'y', deps: ['src'] },
      { name: 'sink', deps: ['x2', 'y'] },
    ]);
    // THEN the x branch is a chain that fails to its own `Failed 1`
    expect(def).toEqual({
      StartAt: 'Start',
      States: {
        ...START('src'),
        ...step('src', 'Parallel 0', 0),
        'Parallel 0': {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'x1', States: { ...step('x1', 'x2', 1), ...step('x2', undefined, 1), ...failed(1), ...done(1) } },
            single('y', 2),
          ],
          ResultPath: null,
          Next: 'sink',
        },
        ...step('sink', undefined, 0),
        ...failed(0),
        ...done(0),
      },
    });
  });

  it('approximates the N shape with two Parallel states (d waits for a: the one false dependency)', () => {
    // GIVEN a → c, b → c, b → d (not series-parallel)
    const def = render([
      { name: 'a', deps: [] },
      { name: 'b', deps: [] },
      { name: 'c', deps: ['a', 'b'] },
      { name: 'd', deps: ['b'] },
    ]);
    // THEN (a | b) ; (c | d): every dependency kept, critical path unchanged, no Fail state at the top
    expect(def).toEqual({
      StartAt: 'Start',
      States: {
        ...START('Parallel 0'),
        'Parallel 0': { Type: 'Parallel', Branches: [single('a', 1), single('b', 2)], ResultPath: null, Next: 'Parallel 1' },
        'Parallel 1': { Type: 'Parallel', Branches: [single('c', 3), single('d', 4)], ResultPath: null, End: true },
      },
    });
  });

  it('sends GPU steps to the GPU queue and named queues to their own placeholder', () => {
    // GIVEN a CPU step, a GPU step on the default GPU queue and a GPU step on queue `big-gpu`
    const compiled = compile(
      makeIr([
        { name: 'prep', deps: [] },
        { name: 'train', deps: ['prep'], gpus: 1 },
        { name: 'tune', deps: ['prep'], gpus: 2, queue: 'big-gpu', retries: 3, timeoutSeconds: 600 },
      ]),
    );
    // THEN queues and job definitions are placeholders; resources live in the job definitions
    expect(compiled.definition).toEqual({
      StartAt: 'Start',
      States: {
        ...START('prep'),
        ...step('prep', 'Parallel 0', 0),
        'Parallel 0': {
          Type: 'Parallel',
          Branches: [single('train', 1, 'QueueGpu', 'JobDefinition1'), single('tune', 2, 'QueueBigGpu', 'JobDefinition2')],
          ResultPath: null,
          End: true,
        },
        ...failed(0),
      },
    });
    const image = 'public.ecr.aws/docker/library/node:22-slim';
    expect(compiled.jobDefinitions).toEqual([
      { id: 'JobDefinition0', image, vcpus: 1, memory: 2048, gpus: 0, retries: 1, timeoutSeconds: 3600, gpuQueue: false },
      { id: 'JobDefinition1', image, vcpus: 4, memory: 16384, gpus: 1, retries: 1, timeoutSeconds: 3600, gpuQueue: true },
      { id: 'JobDefinition2', image, vcpus: 4, memory: 16384, gpus: 2, retries: 3, timeoutSeconds: 600, gpuQueue: true },
    ]);
    expect(compiled.placeholders).toEqual([
      'JobDefinition0',
      'JobDefinition1',
      'JobDefinition2',
      'LookupFunction',
      'Manifest',
      'QueueBigGpu',
      'QueueCpu',
      'QueueGpu',
    ]);
    expect(compiled.stateNames).toEqual({
      lookup: { prep: 'prep', train: 'train', tune: 'tune' },
      run: { prep: 'prep run', train: 'train run', tune: 'tune run' },
    });
  });

  it('shares one job definition between steps with the same image, compute, retries and timeout', () => {
    // GIVEN three CPU steps and one GPU step, two distinct combinations
    const compiled = compile(makeIr([...linearSteps(3), { name: 'zgpu', deps: ['step0002'], gpus: 1 }]));
    // THEN ids are numbered by first use in sorted step-name order
    expect(compiled.jobDefinitions.map((j) => j.id)).toEqual(['JobDefinition0', 'JobDefinition1']);
    expect(compiled.jobDefinitions[1].gpus).toBe(1);
  });
});

describe('compile: determinism', () => {
  it('gives byte-identical output whatever the step order and descriptions', () => {
    // GIVEN the same random DAG written in two orders, once with descriptions
    const steps = randomSteps(60, 42, 4);
    const a = makeIr(steps);
    const b = makeIr(shuffled(steps, 7).map((s) => ({ ...s, description: `about ${s.name}` })));
    const withDescription: PipelineIR = { ...b, description: 'a different pipeline description' };
    // THEN the rendered definitions and job definitions are the same bytes
    expect(renderDefinition(compile(withDescription))).toBe(renderDefinition(compile(a)));
    expect(JSON.stringify(compile(withDescription).jobDefinitions)).toBe(JSON.stringify(compile(a).jobDefinitions));
  });
});

describe('compile: the States Language', () => {
  const fixtures: Record<string, FixtureStep[]> = {
    single: [{ name: 'only', deps: [] }],
    linear: linearSteps(5),
    wide: wideSteps(8),
    n: [
      { name: 'a', deps: [] },
      { name: 'b', deps: [] },
      { name: 'c', deps: ['a', 'b'] },
      { name: 'd', deps: ['b'] },
    ],
    gpu: [
      { name: 'prep', deps: [] },
      { name: 'train', deps: ['prep'], gpus: 1, queue: 'big-gpu' },
    ],
    random: randomSteps(40, 9, 3),
    after: [
      { name: 'a', deps: [] },
      { name: 'b', deps: [], after: ['a'] },
    ],
  };

  it.each(Object.entries(fixtures))('%s passes asl-validator once substituted, with no placeholder left', (_, steps) => {
    const compiled = compile(makeIr(steps));
    const definition = substituted(compiled);
    expect(JSON.stringify(definition)).not.toContain('${');
    expect(validate(definition)).toEqual({ isValid: true, text: '' });
  });

  it('a 1,000-step random DAG passes asl-validator and fits the 1,048,576-character limit', () => {
    // GIVEN a 1,000-step random DAG
    const compiled = compile(makeIr(randomSteps(1000, 2026)));
    // WHEN substituted with deployment-like ARNs
    const json = renderDefinition(compiled);
    const definition = substituted(compiled);
    // THEN it is valid, complete and small enough for Step Functions
    expect(JSON.stringify(definition)).not.toContain('${');
    expect(validate(definition)).toEqual({ isValid: true, text: '' });
    expect(json.length).toBeLessThan(1_048_576);
  });

  it('uses JSONPath only: no QueryLanguage, Arguments, Assign or Output fields anywhere', () => {
    const json = renderDefinition(compile(makeIr(randomSteps(50, 3))));
    for (const field of ['QueryLanguage', 'Arguments', 'Assign', '"Output"', 'JSONata', '{%']) expect(json).not.toContain(field);
  });

  it('keeps state names unique across the whole machine', () => {
    const names: string[] = [];
    const walk = (states: Readonly<Record<string, AslState>>) => {
      for (const [name, state] of Object.entries(states)) {
        names.push(name);
        if (state.Type === 'Parallel') for (const b of state.Branches) walk(b.States);
      }
    };
    walk(compile(makeIr(randomSteps(200, 5, 3))).definition.States);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('compile: errors', () => {
  // Validation (lib/spec) reports cycles and unknown steps with their place; the compiler only asserts.
  it('refuses an IR with a dependency cycle, which validation would have rejected', () => {
    const ir = makeIr([
      { name: 'a', deps: ['c'] },
      { name: 'b', deps: ['a'] },
      { name: 'c', deps: ['b'] },
      { name: 'd', deps: [] },
    ]);
    expect(() => compile(ir)).toThrow(/IR is not valid: steps a, b, c are on or behind a dependency cycle/);
  });

  it('refuses an IR with a reference to an unknown step', () => {
    expect(() => compile(makeIr([{ name: 'a', deps: ['ghost'] }]))).toThrow(/IR is not valid: step "a" depends on unknown step "ghost"/);
  });

  it('rejects a step on an undeclared queue', () => {
    const ir = makeIr([{ name: 'a', deps: [], queue: 'big-mem' }]);
    const { ['big-mem']: _, ...queues } = ir.queues;
    expect(() => compile({ ...ir, queues })).toThrow(/steps\.a\.compute\.queue: unknown queue "big-mem"; expected one of: cpu, gpu/);
  });

  it('rejects two queues whose placeholders collide', () => {
    const ir = makeIr([
      { name: 'a', deps: [], queue: 'big-mem' },
      { name: 'b', deps: [], queue: 'big_mem' },
    ]);
    expect(() => compile(ir)).toThrow(/queues\.big_mem: queue "big_mem" and queue "big-mem" both become the placeholder \$\{QueueBigMem\}/);
  });
});

describe('substitute', () => {
  it('fills every placeholder, escaping values for JSON', () => {
    expect(substitute('{"a":"${X}","b":"${Y}-${X}"}', { X: 'arn:1', Y: 'say "hi"' })).toBe('{"a":"arn:1","b":"say \\"hi\\"-arn:1"}');
  });

  it('throws naming every missing placeholder', () => {
    expect(() => substitute('{"a":"${X}","b":"${Y}","c":"${Z}"}', { Y: 'y' })).toThrow(/\$\{X\}, \$\{Z\}/);
  });

  it('lists placeholders sorted and deduplicated', () => {
    expect(placeholdersIn('${B}${A}${B}$A {C}')).toEqual(['A', 'B']);
  });
});

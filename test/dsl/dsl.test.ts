/**
 * The DSL: typed handles (compile-time errors shown with @ts-expect-error) and plain descriptors.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { param, path, pipeline, uri } from '../../lib/dsl';
import { DefinitionError } from '../../lib/errors';
import { makeWorkspace } from '../spec/support';

function demo() {
  const p = pipeline('demo', {
    parameters: { lr: param.number({ default: 0.1, minimum: 0 }), mode: param.string({ enum: ['a', 'b'], default: 'a' }) },
    queues: { bigmem: { gpu: false } },
    defaults: { compute: { queue: 'cpu' } },
  });
  const prepare = p.step('prepare', { command: ['x'], inputs: { raw: path('./data.csv') }, outputs: ['train', 'test'] });
  return { p, prepare };
}

describe('DSL typing', () => {
  it('rejects outputs, parameters and queues that were not declared, at compile time', () => {
    const { p, prepare } = demo();
    expect(prepare.outputs.train.toString()).toBe('prepare.train');
    // @ts-expect-error: "nope" is not an output of prepare (at run time, a reference that validation reports)
    expect(String(prepare.outputs.nope)).toBe('prepare.nope');

    p.step('train', {
      command: ['x'],
      inputs: { train: prepare.outputs.train },
      // @ts-expect-error: "epochs" is not a declared parameter
      params: ['lr', 'epochs'],
    });
    p.step('big', {
      command: ['x'],
      // @ts-expect-error: "huge" is not a declared queue
      compute: { queue: 'huge' },
    });
    p.step('ok', { command: ['x'], compute: { queue: 'bigmem' } });
    // @ts-expect-error: "epochs" is not a declared parameter
    p.schedule('nightly', { rate: '1 day', parameters: { epochs: 3 } });

    const noOutputs = p.step('quiet', { command: ['x'] });
    // @ts-expect-error: a step without outputs has no output handles
    expect(String(noOutputs.outputs.anything)).toBe('quiet.anything');
  });
});

describe('DSL descriptors', () => {
  it('produce the plain spec shape', () => {
    const p = pipeline('shape', { description: 'd', parameters: { n: param.integer({ default: 2 }) }, defaults: { retries: 1, timeout: '2h' } });
    const a = p.step('a', { command: ['x'], outputs: ['o'], env: { K: 'v' }, cacheVersion: '3' });
    p.step('b', { command: ['y'], inputs: { i: a.outputs.o, s: uri('s3://bucket/key') }, params: ['n'], after: [a, 'a'], cache: false, timeout: 90 });
    p.schedule('hourly', { rate: '1 hour', parameters: { n: 3 } });
    expect(p.toDescriptor()).toEqual({
      name: 'shape',
      description: 'd',
      parameters: { n: { type: 'integer', default: 2 } },
      defaults: { retries: 1, timeout: '2h' },
      steps: {
        a: { command: ['x'], outputs: ['o'], env: { K: 'v' }, cacheVersion: '3' },
        b: { command: ['y'], inputs: { i: 'a.o', s: { uri: 's3://bucket/key' } }, params: ['n'], after: ['a', 'a'], cache: false, timeout: 90 },
      },
      schedules: { hourly: { rate: '1 hour', parameters: { n: 3 } } },
    });
  });

  it('go through the same validator as YAML', () => {
    const dir = makeWorkspace();
    const { p, prepare } = demo();
    p.step('Train', { command: ['x'], inputs: { t: prepare.outputs.train }, retries: 12 });
    const source = join(dir, 'pipeline.ts');
    let error: unknown;
    try {
      p.toIR(source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).problems.map((x) => [x.path, x.line])).toEqual([
      ['steps.Train', undefined],
      ['steps.Train.retries', undefined],
    ]);
  });

  it('resolve relative paths against the given source file', () => {
    const dir = makeWorkspace();
    const { p } = demo();
    const ir = p.toIR(join(dir, 'pipeline.ts'));
    expect(ir.steps.prepare.inputs.raw).toEqual({ kind: 'path', path: join(dir, 'data.csv') });
    expect(ir.steps.prepare.compute.queue).toBe('cpu');
  });

  it('report a misspelt output reference (plain JavaScript) with the same "did you mean" as YAML', () => {
    // GIVEN a reference to an output prepare does not declare, as untyped JavaScript would write it
    const { p, prepare } = demo();
    const outputs = prepare.outputs as Record<string, (typeof prepare.outputs)['train']>;
    p.step('train', { command: ['x'], inputs: { t: outputs.trian } });
    // WHEN it is validated THEN the problem names the place and the declared output
    expect(() => p.toIR(join(makeWorkspace(), 'pipeline.ts'))).toThrow(
      /steps\.train\.inputs\.t: step "prepare" has no output "trian" \(its outputs are: train, test\)\. Did you mean "train"\?/,
    );
  });

  it('rejects a step defined twice', () => {
    const { p } = demo();
    expect(() => p.step('prepare', { command: ['x'] })).toThrow(/step "prepare" is defined twice/);
  });
});

/**
 * resolveParameters and parameterJsonSchema: the checks every entry point (CLI, API, schedules) shares.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/errors';
import type { PipelineIR } from '../../lib/ir/types';
import { parameterJsonSchema, resolveParameters } from '../../lib/spec';
import { makeWorkspace, parseIn } from './support';

function usageProblems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).problems;
  }
  throw new Error('expected a UsageError');
}

describe('resolveParameters', () => {
  let ir: PipelineIR;
  beforeAll(() => {
    ir = parseIn(
      makeWorkspace(),
      `name: params
parameters:
  learning_rate: { type: number, default: 0.5, minimum: 0, maximum: 1 }
  epochs: { type: integer, default: 300, minimum: 1 }
  split: { type: string, enum: [stratified, random], default: stratified }
  verbose: { type: boolean, default: false }
  seed: { type: integer, description: required }
steps:
  a: { command: [x] }
`,
    );
  });

  it('fills defaults in declaration order', () => {
    expect(resolveParameters(ir, { seed: 7 })).toEqual({
      learning_rate: 0.5,
      epochs: 300,
      split: 'stratified',
      verbose: false,
      seed: 7,
    });
    expect(Object.keys(resolveParameters(ir, { seed: 7 }))).toEqual(['learning_rate', 'epochs', 'split', 'verbose', 'seed']);
  });

  it('takes typed values as given', () => {
    expect(resolveParameters(ir, { seed: 1, learning_rate: 1, epochs: 5, split: 'random', verbose: true })).toMatchObject({
      learning_rate: 1,
      epochs: 5,
      split: 'random',
      verbose: true,
    });
  });

  it('parses CLI strings by declared type', () => {
    expect(
      resolveParameters(ir, { seed: '-3', learning_rate: '0.25', epochs: '10', split: 'random', verbose: 'true' }, { fromStrings: true }),
    ).toEqual({ learning_rate: 0.25, epochs: 10, split: 'random', verbose: true, seed: -3 });
  });

  it('does not parse strings without fromStrings', () => {
    expect(usageProblems(() => resolveParameters(ir, { seed: '3' }))).toEqual([
      'parameter "seed": expected a whole number (type integer); received the string "3"; e.g. seed=1',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = usageProblems(() =>
      resolveParameters(
        ir,
        { learning_rat: '1', learning_rate: '2', epochs: '1.5', split: 'other', verbose: 'yes' },
        { fromStrings: true },
      ),
    );
    expect(problems).toEqual([
      'unknown parameter "learning_rat" for pipeline "params". Did you mean "learning_rate"? (declared parameters: learning_rate, epochs, split, verbose, seed); remove it',
      'parameter "learning_rate": expected a value <= 1 (its maximum); received 2; e.g. learning_rate=0.5',
      'parameter "epochs": expected a whole number (type integer); received "1.5"; e.g. epochs=300',
      'parameter "split": expected one of "stratified", "random"; received "other"; e.g. split=stratified',
      'parameter "verbose": expected true or false (type boolean); received "yes"; e.g. verbose=false',
      'parameter "seed" is required (it has no default); give it, e.g. seed=1',
    ]);
  });

  it('rejects out-of-range and non-finite numbers', () => {
    expect(usageProblems(() => resolveParameters(ir, { seed: 1, learning_rate: -0.1 }))).toHaveLength(1);
    expect(usageProblems(() => resolveParameters(ir, { seed: 1, learning_rate: 'NaN' }, { fromStrings: true }))).toHaveLength(1);
    expect(usageProblems(() => resolveParameters(ir, { seed: 1, epochs: '' }, { fromStrings: true }))).toHaveLength(1);
    expect(usageProblems(() => resolveParameters(ir, { seed: 1, learning_rate: '0x1' }, { fromStrings: true }))).toHaveLength(1);
    expect(resolveParameters(ir, { seed: 1, learning_rate: '1e-3' }, { fromStrings: true }).learning_rate).toBe(0.001);
    expect(usageProblems(() => resolveParameters(ir, { seed: 1, learning_rate: Infinity }))).toHaveLength(1);
  });

  it('keeps the UsageError message readable on its own', () => {
    expect(() => resolveParameters(ir, {})).toThrow(
      new UsageError('parameter "seed" is required (it has no default); give it, e.g. seed=1'),
    );
  });
});

describe('parameterJsonSchema', () => {
  it('describes types, defaults, enums, ranges and the required ones', () => {
    const ir = parseIn(
      makeWorkspace(),
      `name: s
parameters:
  lr: { type: number, default: 0.5, minimum: 0, maximum: 1, description: step size }
  split: { type: string, enum: [a, b], default: a }
  seed: { type: integer }
steps:
  a: { command: [x] }
`,
    );
    expect(parameterJsonSchema(ir)).toEqual({
      type: 'object',
      properties: {
        lr: { type: 'number', description: 'step size', default: 0.5, minimum: 0, maximum: 1 },
        split: { type: 'string', default: 'a', enum: ['a', 'b'] },
        seed: { type: 'integer' },
      },
      required: ['seed'],
      additionalProperties: false,
    });
  });
});

/**
 * The foreach keys and list parameters in the IR (issue 11): what a valid definition compiles to.
 */
import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../../lib/spec/parameters';
import { makeWorkspace, parseIn } from './support';

const dir = makeWorkspace();

describe('foreach in the IR', () => {
  it('parses each source kind, with batch, tolerate and maxConcurrency defaults applied', () => {
    // GIVEN one step per source kind
    const ir = parseIn(
      dir,
      `
name: fe
parameters:
  genres: { type: list, default: [rock, jazz] }
steps:
  split: { command: [x], outputs: [parts] }
  a: { command: [x], foreach: split.parts, batch: 10, tolerate: { percent: 5 }, maxConcurrency: 4, compute: { vcpus: 0.25 } }
  b: { command: [x], foreach: params.genres }
  c: { command: [x], foreach: "s3://bucket/prefix/" }
  d: { command: [x], inputs: { all: a.items } }
`,
    );
    // THEN each has its parsed source and the defaults
    expect(ir.steps.a.foreach).toEqual({
      source: { kind: 'step', step: 'split', output: 'parts' },
      batch: 10,
      tolerate: { kind: 'percent', percent: 5 },
      maxConcurrency: 4,
    });
    expect(ir.steps.a.compute.vcpus).toBe(0.25);
    expect(ir.steps.b.foreach).toEqual({ source: { kind: 'param', name: 'genres' }, batch: 1, tolerate: { kind: 'count', count: 0 }, maxConcurrency: 0 });
    expect(ir.steps.c.foreach?.source).toEqual({ kind: 'uri', uri: 's3://bucket/prefix/' });
    // AND the item source is not an input (so one changed item does not change every item's key)
    expect(ir.steps.a.inputs).toEqual({});
    expect(ir.steps.split.foreach).toBeUndefined();
  });

  it('parses list parameters from the command line as comma-separated items or a JSON array', () => {
    const ir = parseIn(dir, 'name: p\nparameters:\n  xs: { type: list, default: [a] }\nsteps:\n  a: { command: [x] }\n');
    expect(resolveParameters(ir, { xs: 'rock, jazz,pop' }, { fromStrings: true })).toEqual({ xs: ['rock', 'jazz', 'pop'] });
    expect(resolveParameters(ir, { xs: '["a,b", "c"]' }, { fromStrings: true })).toEqual({ xs: ['a,b', 'c'] });
    expect(resolveParameters(ir, { xs: '' }, { fromStrings: true })).toEqual({ xs: [] });
    expect(() => resolveParameters(ir, { xs: '[1, 2]' }, { fromStrings: true })).toThrow(/JSON array of strings or comma-separated items \(type list\)/);
    expect(resolveParameters(ir, {})).toEqual({ xs: ['a'] });
  });
});

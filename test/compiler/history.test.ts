/**
 * The history-event budget: worst-case events per step and per foreach, and the compiler's refusal above
 * Step Functions' hard quota of 25,000 events per Standard execution
 * ("Maximum execution history size: 25,000 events", https://docs.aws.amazon.com/step-functions/latest/dg/limits.html).
 */
import { describe, expect, it } from 'vitest';
import { compile, HISTORY_EVENT_QUOTA, worstCaseHistoryEvents } from '../../lib/compiler/index';
import type { PipelineIR } from '../../lib/ir/types';
import { linearSteps, makeIr, wideSteps } from './fixtures';

function withForeach(ir: PipelineIR, step: string): PipelineIR {
  const foreach = { source: { kind: 'param', name: 'xs' }, batch: 1, tolerate: { kind: 'count', count: 0 }, maxConcurrency: 0 } as const;
  return { ...ir, steps: { ...ir.steps, [step]: { ...ir.steps[step], foreach } } };
}

describe('history events', () => {
  it('counts 13 events per plain step in a chain and a constant 26 for a foreach step (its array and single-job states both counted)', () => {
    const chain = worstCaseHistoryEvents(compile(makeIr(linearSteps(10))).definition);
    const longer = worstCaseHistoryEvents(compile(makeIr(linearSteps(11))).definition);
    expect(longer - chain).toBe(13);
    const fe = worstCaseHistoryEvents(compile(withForeach(makeIr(linearSteps(11)), 'step0005')).definition);
    expect(fe - longer).toBe(26 - 13);
    expect(HISTORY_EVENT_QUOTA).toBe(25_000);
  });

  it('accepts the 1,000-step shapes and refuses, with the numbers, a pipeline whose worst case exceeds the quota', () => {
    expect(() => compile(makeIr(wideSteps(1000)))).not.toThrow();
    expect(() => compile(makeIr(linearSteps(2000)))).toThrow(
      /a worst-case run of these 2000 steps records 26,00\d history events .* over Step Functions' hard quota of 25,000 per execution; split the pipeline/,
    );
  });
});

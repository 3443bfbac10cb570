/**
 * Conditions compiled to Choice states: golden rules, validity, and the same verdict as the lookup's
 * evaluator when the real interpreter runs the Choice.
 */
import '../../lib/compat/promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { compile } from '../../lib/compiler/index';
import { choiceRule } from '../../lib/compiler/condition';
import { evaluateCondition } from '../../lib/reuse/condition';
import { conditionMetrics } from '../../lib/ir/condition';
import type { ConditionIR } from '../../lib/ir/types';
import { makeWorkspace, parseIn } from '../spec/support';
import { substituted, validate } from './support';

const dir = makeWorkspace();

function irWith(when: string) {
  return parseIn(
    dir,
    `
name: cond
parameters:
  min: { type: number, default: 0.9 }
  stage: { type: string, default: prod }
  deploy: { type: boolean, default: true }
steps:
  evaluate: { command: [x], metrics: [accuracy, loss] }
  publish: { command: [x], when: ${JSON.stringify(when)} }
`,
  );
}

describe('compile: when', () => {
  it('puts a "<s> when?" Choice between the lookup and the reuse Choice; false skips to the next state', () => {
    // GIVEN a condition over a metric, a parameter and a literal  WHEN compiled
    const { definition } = compile(irWith('evaluate.metrics.accuracy >= params.min and params.stage != "dev"'));
    // THEN the Choice reads the metric at $.c.v[0] and the parameters at $.p
    expect(definition.States.publish).toMatchObject({ Next: 'publish when?' });
    expect(definition.States['publish when?']).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.c.v[0]', NumericGreaterThanEqualsPath: '$.p.min' },
            { Not: { Variable: '$.p.stage', StringEquals: 'dev' } },
          ],
          Next: 'publish reused?',
        },
      ],
      Default: 'Done 0',
    });
  });

  it('passes asl-validator', () => {
    const compiled = compile(irWith('evaluate.metrics.accuracy > 0.5 or evaluate.metrics.loss <= params.min or not params.deploy'));
    expect(validate(substituted(compiled))).toEqual({ isValid: true, text: '' });
  });

  const CASES: Array<[string, Record<string, unknown>, number[]]> = [
    ['evaluate.metrics.accuracy >= params.min', { min: 0.9 }, [0.9]],
    ['evaluate.metrics.accuracy >= params.min', { min: 0.9 }, [0.89]],
    ['evaluate.metrics.accuracy < 0.5 or params.deploy', { deploy: false }, [0.4]],
    ['evaluate.metrics.accuracy < 0.5 or params.deploy', { deploy: false }, [0.6]],
    ['not (params.stage == "prod" and evaluate.metrics.loss > 1)', { stage: 'prod' }, [2]],
    ['params.stage != "prod"', { stage: 'dev' }, []],
    ['evaluate.metrics.loss == evaluate.metrics.accuracy', {}, [0.3, 0.3]],
  ];

  it.each(CASES)('the Choice for %s agrees with the lookup\'s evaluator (params %j, metrics %j)', async (when, params, v) => {
    // GIVEN the compiled Choice alone, with the values in the state where the lookup puts them
    const condition = irWith(when).steps.publish.when!.condition as ConditionIR;
    const p = { min: 0.9, stage: 'prod', deploy: true, ...params };
    const sm = new StateMachine(
      {
        StartAt: 'when?',
        States: {
          'when?': { Type: 'Choice', Choices: [{ ...choiceRule(condition), Next: 'yes' }], Default: 'no' },
          yes: { Type: 'Pass', Result: { holds: true }, End: true },
          no: { Type: 'Pass', Result: { holds: false }, End: true },
        },
      } as never,
      { validationOptions: { checkArn: false } },
    );
    // WHEN the real interpreter runs it
    const verdict = ((await sm.run({ p, c: { v } } as never).result) as { holds: boolean }).holds;
    // THEN it agrees with evaluateCondition over the same values ($.c.v[i] is the i-th metric in first-use order)
    const metrics = Object.fromEntries(conditionMetrics(condition).map((m, i) => [`${m.step}.${m.metric}`, v[i]]));
    expect(verdict).toBe(evaluateCondition(condition, { params: p as never, metrics }));
  });
});

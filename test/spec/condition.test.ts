/**
 * `when:` conditions at validate time: parsing, names, types, and messages with the path and a fix.
 */
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../lib/errors';
import { makeWorkspace, parseIn, problemsOf } from './support';

const dir = makeWorkspace();

/** A pipeline whose `publish` step has `when`. */
const withWhen = (when: string): string => `
name: cond
parameters:
  min_accuracy: { type: number, default: 0.9 }
  stage: { type: string, default: prod }
  deploy: { type: boolean, default: true }
  genres: { type: list, default: [a] }
steps:
  evaluate: { command: [x], metrics: [accuracy, loss] }
  nometrics: { command: [x] }
  publish:
    command: [x]
    when: ${JSON.stringify(when)}
`;

describe('when: valid conditions', () => {
  it('parses comparisons, and/or/not and parentheses into the typed IR, literals on the right', () => {
    const ir = parseIn(dir, withWhen('0.5 < evaluate.metrics.accuracy and (params.stage == "prod" or not params.deploy)'));
    expect(ir.steps.publish.when).toEqual({
      text: '0.5 < evaluate.metrics.accuracy and (params.stage == "prod" or not params.deploy)',
      condition: {
        op: 'and',
        args: [
          { op: 'cmp', cmp: '>', type: 'number', left: { kind: 'metric', step: 'evaluate', metric: 'accuracy' }, right: { kind: 'literal', value: 0.5 } },
          {
            op: 'or',
            args: [
              { op: 'cmp', cmp: '==', type: 'string', left: { kind: 'param', name: 'stage' }, right: { kind: 'literal', value: 'prod' } },
              { op: 'not', arg: { op: 'cmp', cmp: '==', type: 'boolean', left: { kind: 'param', name: 'deploy' }, right: { kind: 'literal', value: true } } },
            ],
          },
        ],
      },
    });
    expect(ir.steps.evaluate.metrics).toEqual(['accuracy', 'loss']);
  });
});

describe('when: bad conditions (exit 2 at validate, with the path and a fix)', () => {
  it.each([
    ['evaluate.metrics.acuracy >= 0.9', /step "evaluate" declares no metric "acuracy".*Did you mean "accuracy"\?/],
    ['nometrics.metrics.accuracy >= 0.9', /step "nometrics" declares no metrics.*steps\.nometrics\.metrics: \[accuracy\]/],
    ['evalute.metrics.accuracy >= 0.9', /unknown step "evalute".*Did you mean "evaluate"\?/],
    ['evaluate.metrics.accuracy >= params.min_acc', /unknown parameter "min_acc"\. Did you mean "min_accuracy"\?/],
    ['evaluate.metrics.accuracy >= params.stage', /compares a number with a string; compare values of one type/],
    ['params.stage > "a"', /strings can only be compared with == or !=/],
    ['params.min_accuracy', /is a number, not a condition; compare it/],
    ['params.genres == "a"', /parameter "genres" is a list/],
    ['1 < 2', /compares two constants/],
    ['publish.metrics.x > 1', /cannot read its own metrics/],
    ['evaluate.metrics.accuracy >= 0.9 params.deploy', /unexpected "params\.deploy".*join conditions with "and" or "or"/],
    ['(params.deploy', /missing "\)"/],
    ['  ', /the condition is empty/],
    ['params.deploy == "yes', /unterminated string/],
  ])('%s', (when, message) => {
    const problems = problemsOf(dir, withWhen(when));
    const hit = problems.find((p) => p.path === 'steps.publish.when' && message.test(p.message));
    expect(hit, problems.map(formatProblem).join('\n')).toBeDefined();
  });

  it('a condition on a step makes it depend on that step (a cycle through a condition is reported)', () => {
    const problems = problemsOf(
      dir,
      'name: c\nsteps:\n  a: { command: [x], metrics: [m], when: "b.metrics.m > 1" }\n  b: { command: [x], metrics: [m], when: "a.metrics.m > 1" }\n',
    );
    expect(problems.map((p) => p.message).join('\n')).toMatch(/dependency cycle: a → b → a/);
  });
});

/**
 * The stopped-run rule of a pipeline with finally-steps: which events it matches, what it starts and with
 * which input, judged against AWS's published event shape and input-transformer rules.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { preparePipeline, type PipewrightStack } from '../../lib/constructs';
import { stoppedRunOfInput } from '../../lib/protocol';
import { makeIr } from '../compiler/fixtures';
import { resolve, resolveRoles } from '../iam/evaluator';
import { synthStack } from './support';

type Json = Record<string, any>;
let stack: PipewrightStack;
let template: Json;

beforeAll(async () => {
  const ir = makeIr([{ name: 'a', deps: [] }, { name: 'notify', deps: [] }], 'fin');
  const fin = { ...ir, steps: { ...ir.steps, notify: { ...ir.steps.notify, final: true } } };
  const plain = makeIr([{ name: 'a', deps: [] }], 'plain');
  ({ stack } = synthStack({ pipelines: [await preparePipeline(fin), await preparePipeline(plain)] }));
  template = Template.fromStack(stack).toJSON();
  resolveRoles(template); // sets the template the resolver reads
});

/**
 * The documented execution status change event (Step Functions developer guide, "EventBridge events": source
 * aws.states, the detail is what DescribeExecution says), for an execution of `stateMachine` with `status`.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
function documentedEvent(stateMachine: string, status: string): Json {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2019-02-26T19:42:21Z',
    region: 'eu-central-1',
    resources: [`arn:aws:states:eu-central-1:123456789012:execution:${stateMachine}:execution-name`],
    detail: {
      executionArn: `arn:aws:states:eu-central-1:123456789012:execution:${stateMachine}:execution-name`,
      stateMachineArn: `arn:aws:states:eu-central-1:123456789012:stateMachine:${stateMachine}`,
      name: 'execution-name',
      status,
      startDate: 1551225014968,
      stopDate: 1551225017576,
      input: '{"p":{},"n":false}',
      output: null,
    },
  };
}

/**
 * Whether an event matches a pattern, by EventBridge's documented content filtering ("Content filtering in
 * event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html): each
 * field's value must be one of the listed values, or start with a `{prefix}`; nested objects match field by field.
 */
function matches(pattern: Json, event: Json): boolean {
  return Object.entries(pattern).every(([k, want]) => {
    const got = event[k];
    if (Array.isArray(want)) {
      return want.some((w) => (typeof w === 'object' && w !== null && 'prefix' in w ? typeof got === 'string' && got.startsWith(w.prefix) : w === got));
    }
    return typeof got === 'object' && got !== null && matches(want as Json, got as Json);
  });
}

/**
 * An input template filled as EventBridge's input transformer does: a string variable outside quotes becomes a
 * JSON string (the "Simple JSON" example of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 */
function transform(t: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: Json): string {
  return t.InputTemplate.replace(/<([\w.-]+)>/g, (_, name: string) => {
    const value = t.InputPathsMap[name].replace(/^\$\./, '').split('.').reduce<any>((o, k) => o?.[k], event);
    return JSON.stringify(value);
  });
}

describe('the stopped-run rule', () => {
  const rules = (): Json[] => Object.values(template.Resources as Json).filter((r) => r.Type === 'AWS::Events::Rule');
  const smName = (): string => resolve(stack.resolve(stack.pipelines.fin.stateMachine.stateMachineName)) as string;

  it('exists only for the pipeline with finally-steps', () => {
    expect(rules()).toHaveLength(1);
    expect(stack.pipelines.plain.stoppedRunRule).toBeUndefined();
  });

  it("matches the documented ABORTED and TIMED_OUT events of its own state machine's executions, and nothing else", () => {
    const pattern = resolve(rules()[0].Properties.EventPattern) as Json;
    const name = smName();
    expect(matches(pattern, documentedEvent(name, 'ABORTED'))).toBe(true);
    expect(matches(pattern, documentedEvent(name, 'TIMED_OUT'))).toBe(true);
    for (const status of ['RUNNING', 'SUCCEEDED', 'FAILED']) expect(matches(pattern, documentedEvent(name, status))).toBe(false);
    // Not another state machine, even one whose name starts with this one's.
    expect(matches(pattern, documentedEvent(`${name}2`, 'ABORTED'))).toBe(false);
    expect(matches(pattern, documentedEvent('other', 'ABORTED'))).toBe(false);
  });

  it("starts the live alias with {\"a\": <the stopped execution's ARN>}, which the compiled definition reads as a finally-only input", () => {
    const target = resolve(rules()[0].Properties.Targets[0]) as Json;
    expect(target.Arn).toBe(`${resolve(stack.resolve(stack.pipelines.fin.stateMachine.stateMachineArn))}:live`);
    const event = documentedEvent(smName(), 'ABORTED');
    const input = transform(target.InputTransformer, event);
    expect(JSON.parse(input)).toEqual({ a: event.detail.executionArn });
    expect(stoppedRunOfInput(input)).toBe(event.detail.executionArn);
    expect(target.DeadLetterConfig.Arn).toMatch(/^arn:aws:sqs:/);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
  });
});

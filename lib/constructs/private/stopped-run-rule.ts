/**
 * The EventBridge rule that runs the finally-steps of a stopped execution.
 *
 * An execution stopped by `StopExecution` (ABORTED) or by its timeout (TIMED_OUT) runs no further state, so
 * its compiled finally-states never run. Step Functions sends an "Execution Status Change" event to the
 * default event bus for every status change; this rule matches ABORTED and TIMED_OUT executions of one
 * state machine and starts its `live` alias with `{"a": "<stopped execution ARN>"}`, which the compiled
 * `Stopped?` Choice sends straight to the finally-steps (lib/protocol/stopped-run.ts).
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTEXT_KEYS, STOPPED_STATUSES } from '../../protocol';
import { deadLetterQueue, startAlias } from './event-targets';

/** The `source` and `detail-type` of Step Functions' execution status change events. */
export const EXECUTION_STATUS_CHANGE = { source: 'aws.states', detailType: 'Step Functions Execution Status Change' } as const;

/** How long EventBridge keeps retrying a failed start before it goes to the dead-letter queue. */
const MAX_EVENT_AGE_SECONDS = 3600;
/** Retries of a failed start (EventBridge's default is 185 over 24 h: a stopped run's cleanup should not wait that long). */
const MAX_RETRY_ATTEMPTS = 3;

/** Properties of `StoppedRunRule`. */
export interface StoppedRunRuleProps {
  /** The pipeline's name (for descriptions). */
  readonly pipeline: string;
  /** The state machine's name (its executions' ARNs are `…:execution:<name>:<execution>`). */
  readonly stateMachineName: string;
  /** The unqualified state machine ARN (what IAM authorizes a start of the alias against). */
  readonly stateMachineArn: string;
  /** The alias the finally-only execution starts (the one the API and schedules start). */
  readonly aliasArn: string;
  /** The alias name (`states:StateMachineQualifier`). */
  readonly aliasName: string;
}

/** An EventBridge rule (with its role and dead-letter queue) that starts a finally-only execution per stopped execution. */
export class StoppedRunRule extends Construct {
  public readonly rule: events.CfnRule;
  public readonly role: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StoppedRunRuleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Execution ARNs name the unqualified state machine, whatever alias or version started them.
    const executionPrefix = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachineName}:`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `EventBridge: start the finally-steps of stopped runs of pipeline ${props.pipeline}`,
    });
    this.role.addToPolicy(startAlias(props.stateMachineArn, props.aliasName));
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters');
    this.rule = new events.CfnRule(this, 'Rule', {
      description: `Pipewright ${props.pipeline}: run the finally-steps of an execution that was stopped or timed out`,
      state: 'ENABLED',
      eventPattern: {
        source: [EXECUTION_STATUS_CHANGE.source],
        'detail-type': [EXECUTION_STATUS_CHANGE.detailType],
        detail: { status: [...STOPPED_STATUSES], executionArn: [{ prefix: executionPrefix }] },
      },
      targets: [
        {
          id: 'FinallyOnly',
          arn: props.aliasArn,
          roleArn: this.role.roleArn,
          // A string variable without quotes becomes a JSON string (EventBridge "Input transformation").
          inputTransformer: {
            inputPathsMap: { execution: '$.detail.executionArn' },
            inputTemplate: `{"${CONTEXT_KEYS.stoppedRun}": <execution>}`,
          },
          retryPolicy: { maximumRetryAttempts: MAX_RETRY_ATTEMPTS, maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS },
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      ],
    });
    // EventBridge sends to a rule's dead-letter queue as itself, so the queue's policy admits this rule only.
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.attrArn } },
      }),
    );
  }
}

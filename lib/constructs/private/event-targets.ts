/**
 * What the schedules and the stopped-run rule share as EventBridge targets of a state machine: the grant to
 * start one alias, and a dead-letter queue for starts that still fail after their retries.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * StartExecution of one alias only: Step Functions authorizes a start of an alias on the unqualified state
 * machine ARN, with the alias in `states:StateMachineQualifier` (a grant on `<arn>:*` never matches).
 */
export function startAlias(stateMachineArn: string, alias: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['states:StartExecution'],
    resources: [stateMachineArn],
    conditions: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': alias } },
  });
}

/** A dead-letter queue for an EventBridge target: a start that still fails lands here, visible, instead of vanishing. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
}

/**
 * cdk-nag (AwsSolutions) acknowledgements for the findings this design accepts, each with its reason.
 *
 * Each acknowledgement sits on the construct it is about (never on a whole stack), so a new finding
 * elsewhere still fails the check.
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PipelinePlatform } from '../pipeline-platform';
import { STORE_WRITE_AREAS } from './store-areas';
import type { PublishedPipeline } from '../published-pipeline';

const NAG = 'AwsSolutions';

function ack(scope: IConstruct | undefined, rule: string, reason: string): void {
  if (scope) Validations.of(scope).acknowledge({ id: `${NAG}-${rule}`, reason });
}


/** A value as cdk-nag prints it in a finding id: intrinsics as `<Ref>`, `<Id.Attr>`, joins concatenated. */
export function nagString(scope: IConstruct, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
    const att = o['Fn::GetAtt'] as string[] | undefined;
    if (att) return `<${att[0]}.${att[1]}>`;
    const join = o['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
    throw new Error(`nagString: unexpected ${JSON.stringify(v)}`);
  };
  return render(Stack.of(scope).resolve(value));
}

const STORE_OBJECTS =
  'Store objects are content-addressed (cas/sha256/<hash>) and run/record keys are computed at run time; the grant ' +
  'covers the objects of the artifact bucket only, no other bucket';

/** Acknowledges the platform's accepted findings. */
export function acknowledgePlatformFindings(p: PipelinePlatform): void {
  const stack = Stack.of(p);
  const artifacts = `IAM5[Resource::${nagString(p, p.bucket.arnForObjects('*'))}]`;
  for (const role of [p.jobRole, p.lookupFunction.role, p.apiFunction.role]) {
    ack(role, artifacts, STORE_OBJECTS);
  }
  for (const area of [...STORE_WRITE_AREAS, 'cas/']) {
    for (const role of [p.jobRole, p.lookupFunction.role]) {
      ack(role, `IAM5[Resource::${nagString(p, p.bucket.arnForObjects(`${area}*`))}]`, `${STORE_OBJECTS}; writes go to the ${area} area only`);
    }
  }
  ack(p.jobExecutionRole, 'IAM5[Resource::*]', 'ecr:GetAuthorizationToken does not support resource-level permissions');
  ack(
    p.jobExecutionRole,
    `IAM5[Resource::${nagString(p, stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' }))}]`,
    "Step images are the pipeline author's choice and may be in any ECR repository of this account; pull actions only",
  );
  ack(
    p.apiFunction.role,
    `IAM5[Resource::${batchJobs(p)}]`,
    'Cancelling a run terminates its Batch jobs, whose ARNs exist only at run time',
  );
  ack(
    p.gpuComputeEnvironment.node.tryFindChild('InstanceProfileRole'),
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
    'The ECS agent on Batch-managed GPU instances needs this AWS-maintained policy (register the instance, pull ' +
      'images, write logs); AWS keeps it in step with the agent',
  );
  ack(
    p.apiFunction.role,
    'IAM5[Resource::*]',
    'batch:ListJobs and batch:DescribeJobs (finding a cancelled run\'s jobs) do not support resource-level permissions',
  );
  const stage = p.api.deploymentStage;
  ack(
    stage,
    'APIG3',
    'Every method requires a SigV4-signed IAM request; a WAF web ACL adds cost per request and can be attached by the deployer',
  );
  ack(
    p.api.node.tryFindChild('CloudWatchRole'),
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    "API Gateway's account-wide logging role: the AWS-managed policy is the one API Gateway documents for it",
  );
  ack(p.jobRole, 'IAM5[Resource::*]', 'batch:DescribeJobs (the runner reads its own job\'s parameters) does not support resource-level permissions');
  for (const method of p.api.methods) {
    ack(method, 'COG4', 'Methods use AWS_IAM (SigV4) authorization as required: callers are IAM principals, not Cognito users');
  }
}

/** Acknowledges a published pipeline's accepted findings (including those it adds to platform roles). */
export function acknowledgePipelineFindings(pp: PublishedPipeline, platform: PipelinePlatform): void {
  const role = pp.stateMachine.role;
  ack(
    role,
    'IAM5[Resource::*]',
    'CloudWatch Logs delivery (logs:CreateLogDelivery, ...), X-Ray (xray:PutTraceSegments, ...) and batch:DescribeJobs ' +
      '(how submitJob.sync watches a job) do not support resource-level permissions',
  );
  ack(
    role,
    `IAM5[Resource::${batchJobs(pp)}]`,
    "Stopping an execution terminates its running Batch job (batch:TerminateJob), whose ARN exists only at run time",
  );
  for (const objects of pp.uriInputObjects) {
    ack(
      platform.lookupFunction.role,
      `IAM5[Resource::${nagString(pp, objects)}]`,
      `Read-only access to the objects under a uri: input of ${pp.ir.name}, which the lookup copies into the store by content`,
    );
  }
  for (const jd of Object.values(pp.jobDefinitions)) {
    const arn = Stack.of(pp).formatArn({ service: 'batch', resource: 'job-definition', resourceName: jd.jobDefinitionName });
    ack(
      role,
      `IAM5[Resource::${nagString(pp, arn)}:*]`,
      `Any revision of this pipeline's own job definition ${jd.jobDefinitionName} (revisions are kept for retained versions)`,
    );
  }
  ack(
    platform.apiFunction.role,
    `IAM5[Resource::${nagString(pp, pp.executionArnPattern)}]`,
    `Run status and cancellation read and stop executions of ${pp.ir.name}'s state machine, named at run time`,
  );
  if (pp.stoppedRunRule) {
    ack(pp.stoppedRunRule.deadLetterQueue, 'SQS3', 'This queue is the dead-letter queue of the stopped-run rule: it needs none of its own');
    ack(
      pp.stoppedRunRead,
      `IAM5[Resource::${nagString(pp, pp.executionArnPattern)}]`,
      `A finally-only execution reads the stopped execution of ${pp.ir.name} it runs the finally-steps of, named at run time`,
    );
  }
  if (pp.scheduleDeadLetterQueue) {
    ack(pp.scheduleDeadLetterQueue, 'SQS3', 'This queue is the dead-letter queue of the schedules: it needs none of its own');
  }
  acknowledgeBucketDeploymentProvider(Stack.of(pp), platform);
}

/** The BucketDeployment provider is a stack singleton owned by aws-cdk-lib; its findings are acknowledged once. */
function acknowledgeBucketDeploymentProvider(stack: Stack, platform: PipelinePlatform): void {
  const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!provider) return;
  const reason = (what: string) =>
    `aws-cdk-lib's BucketDeployment provider (uploads the manifest and code at deploy time): ${what}`;
  ack(provider, 'L1', reason('its runtime is chosen and updated by aws-cdk-lib'));
  const role = provider.node.tryFindChild('ServiceRole');
  ack(
    role,
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason('the AWS-managed basic execution policy lets it write its own logs'),
  );
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    ack(role, `IAM5[Action::${action}]`, reason('CDK grants read on the asset bucket and write on the artifact bucket only'));
  }
  ack(
    role,
    `IAM5[Resource::${nagString(stack, assetBucketObjects(stack))}]`,
    reason('reads the staged assets from the CDK bootstrap bucket'),
  );
  ack(role, `IAM5[Resource::${nagString(platform, platform.bucket.arnForObjects('*'))}]`, reason(STORE_OBJECTS));
}

/** The ARN pattern of Batch jobs in the scope's account and region. */
function batchJobs(scope: IConstruct): string {
  return nagString(scope, Stack.of(scope).formatArn({ service: 'batch', resource: 'job', resourceName: '*' }));
}

/** Objects of the CDK bootstrap asset bucket (the default synthesizer's naming, with the configured qualifier). */
function assetBucketObjects(stack: Stack): string {
  const qualifier = (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? 'hnb659fds';
  return `arn:${Aws.PARTITION}:s3:::cdk-${qualifier}-assets-${stack.account}-${stack.region}/*`;
}

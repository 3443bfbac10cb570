/**
 * cdk-nag (AwsSolutions) acknowledgements for the findings this design accepts, each with its reason.
 *
 * Each acknowledgement sits on the construct it is about (never on a whole stack), so a new finding
 * elsewhere still fails the check.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PipelinePlatform } from '../pipeline-platform';
import type { PublishedPipeline } from '../published-pipeline';

const NAG = 'AwsSolutions';

function ack(scope: IConstruct | undefined, rule: string, reason: string): void {
  if (scope) Validations.of(scope).acknowledge({ id: `${NAG}-${rule}`, reason });
}

/** `<LogicalId>` or `<LogicalId.Attr>` as cdk-nag writes a reference in a finding. */
function ref(element: IConstruct, attr?: string): string {
  const cfn = (element.node.defaultChild ?? element) as CfnElement;
  const id = Stack.of(element).getLogicalId(cfn);
  return attr ? `<${id}.${attr}>` : `<${id}>`;
}

const STORE_OBJECTS =
  'Store objects are content-addressed (cas/sha256/<hash>) and run/record keys are computed at run time; the grant ' +
  'covers the objects of the artifact bucket only, no other bucket';

/** Acknowledges the platform's accepted findings. */
export function acknowledgePlatformFindings(p: PipelinePlatform): void {
  const artifacts = `IAM5[Resource::${ref(p.bucket, 'Arn')}/*]`;
  for (const role of [p.jobRole, p.lookupFunction.role, p.apiFunction.role]) {
    ack(role, artifacts, STORE_OBJECTS);
  }
  ack(p.jobExecutionRole, 'IAM5[Resource::*]', 'ecr:GetAuthorizationToken does not support resource-level permissions');
  ack(
    p.jobExecutionRole,
    'IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]',
    "Step images are the pipeline author's choice and may be in any ECR repository of this account; pull actions only",
  );
  ack(
    p.apiFunction.role,
    'IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*]',
    'Cancelling a run terminates its Batch jobs, whose ARNs exist only at run time',
  );
  ack(
    p.gpuComputeEnvironment.node.tryFindChild('InstanceProfileRole'),
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
    'The ECS agent on Batch-managed GPU instances needs this AWS-maintained policy (register the instance, pull ' +
      'images, write logs); AWS keeps it in step with the agent',
  );
  const stage = p.api.deploymentStage;
  ack(
    stage,
    'APIG3',
    'Every method requires a SigV4-signed IAM request; a WAF web ACL adds cost per request and can be attached by the deployer',
  );
  ack(
    stage,
    'APIG6',
    'Execution logging needs the account-wide API Gateway CloudWatch role, which a construct must not change; ' +
      'access logging is on for the stage',
  );
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
    'CloudWatch Logs delivery (logs:CreateLogDelivery, ...) and X-Ray (xray:PutTraceSegments, ...) do not support ' +
      'resource-level permissions; CDK adds them for execution logging and tracing',
  );
  ack(
    role,
    'IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*]',
    "Stopping an execution terminates its running Batch job (batch:TerminateJob), whose ARN exists only at run time",
  );
  const sm = ref(pp.stateMachine);
  ack(
    platform.apiFunction.role,
    `IAM5[Resource::${sm}:*]`,
    `The trigger API starts the live alias or a version the caller pins: qualified ARNs of ${pp.ir.name}'s state machine only`,
  );
  ack(
    platform.apiFunction.role,
    `IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${ref(pp.stateMachine, 'Name')}:*]`,
    `Run status and cancellation read and stop executions of ${pp.ir.name}'s state machine, named at run time`,
  );
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
    'IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
    reason('reads the staged assets from the CDK bootstrap bucket'),
  );
  ack(role, `IAM5[Resource::${ref(platform.bucket, 'Arn')}/*]`, reason(STORE_OBJECTS));
}

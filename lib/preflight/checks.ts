/**
 * `pipewright preflight`: what a first `cdk deploy` (and the first GPU run) would trip over in an account,
 * found with the AWS SDK and said in plain words, each with the command that fixes it.
 */
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeInstanceTypeOfferingsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/** The bootstrap version aws-cdk-lib's default synthesizer requires (its `BootstrapVersion` rule). */
export const REQUIRED_BOOTSTRAP_VERSION = 6;

/**
 * Service Quotas codes of the EC2 vCPU quotas GPU steps draw on (service `ec2`).
 * @see https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html
 */
export const GPU_QUOTAS = {
  onDemand: { code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
  spot: { code: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
} as const;

/** One finding. */
export interface Finding {
  readonly check: 'bootstrap' | 'api-gateway-logging' | 'runner-image' | 'gpu-quota' | 'gpu-instance-types';
  readonly ok: boolean;
  /** What was found, in plain words. */
  readonly message: string;
  /** The command (or change) that fixes it; absent when ok. */
  readonly fix?: string;
}

/** The SDK clients preflight uses (injected, so tests can point them at a loopback stand-in). */
export interface PreflightClients {
  readonly ssm: SSMClient;
  readonly cloudformation: CloudFormationClient;
  readonly apigateway: APIGatewayClient;
  readonly ecr: ECRClient;
  readonly quotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
}

/** What to check. */
export interface PreflightOptions {
  readonly region: string;
  /** The CDK bootstrap qualifier. @default 'hnb659fds' */
  readonly qualifier?: string;
  /** The runner image repository (this account's ECR). @default 'pipewright-runner' */
  readonly runnerRepository?: string;
  /** @default '0.1.0' */
  readonly runnerTag?: string;
  /** GPU instance families the platform may launch. @default ['g5', 'g6'] */
  readonly gpuFamilies?: readonly string[];
  /** Whether the GPU environment uses Spot. @default false */
  readonly gpuSpot?: boolean;
  /** Whether the stack sets API Gateway's CloudWatch role (the platform's default). @default true */
  readonly stackSetsApiGatewayRole?: boolean;
}

/** The clients for `region` with the default credential chain. */
export function defaultClients(region: string): PreflightClients {
  const config = { region };
  return {
    ssm: new SSMClient(config),
    cloudformation: new CloudFormationClient(config),
    apigateway: new APIGatewayClient(config),
    ecr: new ECRClient(config),
    quotas: new ServiceQuotasClient(config),
    ec2: new EC2Client(config),
  };
}

function nameOf(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

/** Runs every check; a check that cannot run (no permission, no network) is a finding too. */
export async function preflight(c: PreflightClients, o: PreflightOptions): Promise<Finding[]> {
  const checks: ReadonlyArray<readonly [Finding['check'], (c: PreflightClients, o: PreflightOptions) => Promise<Finding>]> = [
    ['bootstrap', bootstrap],
    ['api-gateway-logging', apiGatewayLogging],
    ['runner-image', runnerImage],
    ['gpu-quota', gpuQuota],
    ['gpu-instance-types', gpuInstanceTypes],
  ];
  return Promise.all(
    checks.map(([id, check]) =>
      check(c, o).catch(
        (err: unknown): Finding => ({
          check: id,
          ok: false,
          message: `could not check: ${nameOf(err) || 'error'}: ${(err as Error)?.message ?? String(err)}`,
          fix: 'run with credentials that may call this API (see docs/deploy.md, "pipewright preflight"), or check the network',
        }),
      ),
    ),
  );
}

async function bootstrap(c: PreflightClients, o: PreflightOptions): Promise<Finding> {
  const qualifier = o.qualifier ?? 'hnb659fds';
  const fix = `npx cdk bootstrap aws://$(aws sts get-caller-identity --query Account --output text)/${o.region}`;
  try {
    const p = await c.ssm.send(new GetParameterCommand({ Name: `/cdk-bootstrap/${qualifier}/version` }));
    const version = Number(p.Parameter?.Value);
    if (version >= REQUIRED_BOOTSTRAP_VERSION) return { check: 'bootstrap', ok: true, message: `CDK bootstrap version ${version} in ${o.region}` };
    return {
      check: 'bootstrap',
      ok: false,
      message: `the CDK bootstrap in ${o.region} is version ${p.Parameter?.Value}; deploying needs ${REQUIRED_BOOTSTRAP_VERSION} or later`,
      fix,
    };
  } catch (err) {
    if (nameOf(err) !== 'ParameterNotFound') throw err;
  }
  let stack = false;
  try {
    stack = ((await c.cloudformation.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }))).Stacks ?? []).length > 0;
  } catch (err) {
    if (!/does not exist/.test((err as Error).message ?? '')) throw err;
  }
  return {
    check: 'bootstrap',
    ok: false,
    message: stack
      ? `the CDKToolkit stack exists in ${o.region} but not /cdk-bootstrap/${qualifier}/version: it was bootstrapped with another qualifier or an old CDK`
      : `${o.region} is not bootstrapped for the CDK (no CDKToolkit stack): cdk deploy would stop before creating anything`,
    fix,
  };
}

async function apiGatewayLogging(c: PreflightClients, o: PreflightOptions): Promise<Finding> {
  const account = await c.apigateway.send(new GetAccountCommand({}));
  if (account.cloudwatchRoleArn) return { check: 'api-gateway-logging', ok: true, message: `API Gateway logs through ${account.cloudwatchRoleArn}` };
  if (o.stackSetsApiGatewayRole ?? true) {
    return {
      check: 'api-gateway-logging',
      ok: true,
      message: "API Gateway has no account CloudWatch role yet; the stack sets one (PipelinePlatform's default)",
    };
  }
  return {
    check: 'api-gateway-logging',
    ok: false,
    message:
      "API Gateway has no account CloudWatch role, and the stack is told not to set one (apiGatewayCloudWatchRole: false): " +
      'the API stage, which logs, would fail to deploy',
    fix:
      `aws apigateway update-account --region ${o.region} --patch-operations op=replace,path=/cloudwatchRoleArn,value=<arn of a role ` +
      'with AmazonAPIGatewayPushToCloudWatchLogs>   (or drop apiGatewayCloudWatchRole: false)',
  };
}

async function runnerImage(c: PreflightClients, o: PreflightOptions): Promise<Finding> {
  const repositoryName = o.runnerRepository ?? 'pipewright-runner';
  const imageTag = o.runnerTag ?? '0.1.0';
  const push =
    `aws ecr create-repository --repository-name ${repositoryName} --region ${o.region}   # once\n` +
    '      npm run build:runner && docker tag pipewright-runner:0.1.0 <account>.dkr.ecr.' +
    `${o.region}.amazonaws.com/${repositoryName}:${imageTag} && docker push <that URI>   (docs/deploy.md, section 1)`;
  try {
    await c.ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }));
    return { check: 'runner-image', ok: true, message: `runner image ${repositoryName}:${imageTag} is in ECR` };
  } catch (err) {
    const name = nameOf(err);
    if (name === 'RepositoryNotFoundException') {
      return { check: 'runner-image', ok: false, message: `no ECR repository ${repositoryName} in ${o.region}: every job's stage-in container would fail to pull`, fix: push };
    }
    if (name === 'ImageNotFoundException') {
      return { check: 'runner-image', ok: false, message: `${repositoryName} has no image tagged ${imageTag}: every job's stage-in container would fail to pull`, fix: push };
    }
    throw err;
  }
}

async function gpuQuota(c: PreflightClients, o: PreflightOptions): Promise<Finding> {
  const quota = o.gpuSpot ? GPU_QUOTAS.spot : GPU_QUOTAS.onDemand;
  const q = await c.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: quota.code }));
  const vcpus = q.Quota?.Value ?? 0;
  if (vcpus >= 4) return { check: 'gpu-quota', ok: true, message: `EC2 quota '${quota.name}': ${vcpus} vCPUs` };
  return {
    check: 'gpu-quota',
    ok: false,
    message:
      `EC2 quota '${quota.name}' is ${vcpus} vCPUs in ${o.region}: no GPU instance can start, so GPU steps would wait RUNNABLE ` +
      'until the queue cancels them',
    fix: `aws service-quotas request-service-quota-increase --region ${o.region} --service-code ec2 --quota-code ${quota.code} --desired-value 8`,
  };
}

async function gpuInstanceTypes(c: PreflightClients, o: PreflightOptions): Promise<Finding> {
  const families = o.gpuFamilies ?? ['g5', 'g6'];
  const offered = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await c.ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'region',
        Filters: [{ Name: 'instance-type', Values: families.map((f) => `${f}.*`) }],
        NextToken,
      }),
    );
    for (const t of page.InstanceTypeOfferings ?? []) if (t.InstanceType) offered.add(t.InstanceType);
    NextToken = page.NextToken;
  } while (NextToken);
  if (offered.size > 0) {
    return { check: 'gpu-instance-types', ok: true, message: `${offered.size} ${families.join('/')} instance types offered in ${o.region}` };
  }
  return {
    check: 'gpu-instance-types',
    ok: false,
    message: `${o.region} offers no ${families.join(' or ')} instance types: the GPU compute environment could never start an instance`,
    fix: `deploy to a region that offers them (aws ec2 describe-instance-type-offerings --filters Name=instance-type,Values=${families[0]}.xlarge --region <region>), or set gpuCompute.instanceClasses`,
  };
}

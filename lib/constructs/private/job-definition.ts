/**
 * One AWS Batch job definition per compiled `JobDefinitionSpec`: stage-in, the user's container, stage-out.
 */
import { createHash } from 'node:crypto';
import { CfnDeletionPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import type { Construct } from 'constructs';
import type { JobDefinitionSpec } from '../../compiler';
import { JOB_PARAMETER } from '../../protocol';
import { containerResources as splitResources, type ContainerResources } from '../../spec';

export type { ContainerResources };

/** Splits a compiled job's resources between its containers (the rule `pipewright validate` applies too). */
export function containerResources(spec: JobDefinitionSpec): ContainerResources | string {
  return splitResources(spec);
}

/** Where the three containers share the step's files. */
export const SHARED_DIR = '/pw';
const VOLUME = 'pw';

/** Extra attempts a job gets for spot reclaims when the step itself may not be retried. */
export const SPOT_RECLAIM_ATTEMPTS = 2;

/** Status reasons Batch reports when spot capacity is reclaimed (EC2 Spot, then Fargate Spot). */
export const SPOT_RECLAIM_REASONS = ['Host EC2*', 'Your Spot Task was interrupted*'] as const;

/** The retry strategy: spot reclaims are retried; other failures only as the step's `retries` says. */
export function retryStrategy(retries: number): batch.CfnJobDefinition.RetryStrategyProperty {
  const reclaim = SPOT_RECLAIM_REASONS.map((onStatusReason) => ({ onStatusReason, action: 'RETRY' }));
  if (retries === 0) {
    return { attempts: 1 + SPOT_RECLAIM_ATTEMPTS, evaluateOnExit: [...reclaim, { onReason: '*', action: 'EXIT' }] };
  }
  // Batch counts every attempt against one budget, so spot reclaims share the step's retries here.
  return { attempts: Math.min(10, retries + 1), evaluateOnExit: [...reclaim, { onReason: '*', action: 'RETRY' }] };
}

/** Everything a job definition needs from the platform. */
export interface JobDefinitionContext {
  readonly runnerImage: string;
  readonly storeLocation: string;
  readonly jobRoleArn: string;
  readonly executionRoleArn: string;
  readonly logGroupName: string;
  readonly assignPublicIp: boolean;
  readonly pipeline: string;
  /** The stack's region, set as `AWS_REGION` so S3 calls never fall back to another region on EC2. */
  readonly region: string;
}

function requirements(r: { vcpus?: number; memory: number; gpus?: number }): batch.CfnJobDefinition.ResourceRequirementProperty[] {
  const out: batch.CfnJobDefinition.ResourceRequirementProperty[] = [];
  if (r.vcpus !== undefined) out.push({ type: 'VCPU', value: String(r.vcpus) });
  out.push({ type: 'MEMORY', value: String(r.memory) });
  if (r.gpus) out.push({ type: 'GPU', value: String(r.gpus) });
  return out;
}

/**
 * Creates the multi-container Batch job definition for one compiled spec (resources already checked).
 *
 * Its name is short and derived from its content (`pw-<hash>`), so the definition refers to it by name (keeping
 * a 900-step definition under Step Functions' size limit) and a changed job gets a new name. Old revisions
 * are kept, so retained state machine versions can still submit their jobs.
 */
export function createJobDefinition(
  scope: Construct,
  id: string,
  spec: JobDefinitionSpec,
  resources: ContainerResources,
  ctx: JobDefinitionContext,
): batch.CfnJobDefinition {
  const mountPoints = [{ sourceVolume: VOLUME, containerPath: SHARED_DIR, readOnly: false }];
  const logConfiguration = {
    logDriver: 'awslogs',
    options: { 'awslogs-group': ctx.logGroupName, 'awslogs-stream-prefix': ctx.pipeline },
  };
  const runner = (name: 'stage-in' | 'stage-out', essential: boolean, dependsOn?: string) => ({
    name,
    image: ctx.runnerImage,
    essential,
    // No `--job Ref::job`: Batch documents Ref:: substitution for a container job's command, not for an
    // ecsProperties container. The runner reads the job parameter from its own job (AWS_BATCH_JOB_ID).
    command: [name, '--dir', SHARED_DIR],
    environment: [
      { name: 'PIPEWRIGHT_STORE', value: ctx.storeLocation },
      { name: 'AWS_REGION', value: ctx.region },
    ],
    mountPoints,
    logConfiguration,
    resourceRequirements: requirements(resources.runner),
    dependsOn: dependsOn ? [{ containerName: dependsOn, condition: 'SUCCESS' }] : undefined,
  });
  const props: batch.CfnJobDefinitionProps = {
    type: 'container',
    platformCapabilities: [spec.gpuQueue ? 'EC2' : 'FARGATE'],
    parameters: { [JOB_PARAMETER]: '' },
    retryStrategy: retryStrategy(spec.retries),
    timeout: { attemptDurationSeconds: Math.max(60, spec.timeoutSeconds) },
    propagateTags: true,
    ecsProperties: {
      taskProperties: [
        {
          taskRoleArn: ctx.jobRoleArn,
          executionRoleArn: ctx.executionRoleArn,
          platformVersion: spec.gpuQueue ? undefined : 'LATEST',
          networkConfiguration: spec.gpuQueue ? undefined : { assignPublicIp: ctx.assignPublicIp ? 'ENABLED' : 'DISABLED' },
          volumes: [{ name: VOLUME }],
          containers: [
            runner('stage-in', false),
            {
              name: 'step',
              // The user's image runs untouched: the stage-in container wrote /pw/step.sh for it.
              image: spec.image,
              essential: false,
              command: ['/bin/sh', `${SHARED_DIR}/step.sh`],
              dependsOn: [{ containerName: 'stage-in', condition: 'SUCCESS' }],
              mountPoints,
              logConfiguration,
              resourceRequirements: requirements(resources.step),
            },
            runner('stage-out', true, 'step'),
          ],
        },
      ],
    },
  };
  const stack = Stack.of(scope);
  const digest = createHash('sha256')
    .update(`${stack.stackName}/${scope.node.path}/${id}\n`)
    .update(JSON.stringify(stack.resolve(props)))
    .digest('hex');
  const jd = new batch.CfnJobDefinition(scope, id, {
    ...props,
    jobDefinitionName: `pw-${digest.slice(0, 16)}`,
    resourceRetentionPolicy: { skipDeregisterOnUpdate: true },
  });
  jd.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
  Validations.of(jd).acknowledge({
    id: 'CloudFormation-Validate::W3011',
    reason:
      'Only replacement retains the old job definition, for the retained state machine version that submits it; ' +
      'deleting the stack deregisters it like everything else',
  });
  return jd;
}

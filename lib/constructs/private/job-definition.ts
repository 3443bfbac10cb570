/**
 * One AWS Batch job definition per compiled `JobDefinitionSpec`: stage-in, the user's container, stage-out.
 */
import { createHash } from 'node:crypto';
import { CfnDeletionPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import type { Construct } from 'constructs';
import type { JobDefinitionSpec } from '../../compiler';
import { JOB_PARAMETER } from '../../protocol';
import { containerSecrets } from './secrets';

/** Where the three containers share the step's files. */
export const SHARED_DIR = '/pw';
const VOLUME = 'pw';

/** Extra attempts a job gets for spot reclaims when the step itself may not be retried. */
export const SPOT_RECLAIM_ATTEMPTS = 2;

/** Status reasons Batch reports when spot capacity is reclaimed (EC2 Spot, then Fargate Spot). */
export const SPOT_RECLAIM_REASONS = ['Host EC2*', 'Your Spot Task was interrupted*'] as const;

/** vCPU and MiB each runner container reserves on Fargate (stage-in and stage-out never overlap the step, but Fargate sums reservations). */
export const FARGATE_RUNNER_SHARE = { vcpus: 0.25, memory: 512 } as const;

/** MiB each runner container reserves on EC2 (no vCPU reservation: it shares the instance's CPU). */
export const EC2_RUNNER_MEMORY = 256;

/** Fargate's valid (vCPU, memory MiB) task sizes, smallest first. */
const FARGATE_SIZES: ReadonlyArray<{ vcpus: number; memory: readonly number[] }> = [
  { vcpus: 0.25, memory: [512, 1024, 2048] },
  { vcpus: 0.5, memory: range(1024, 4096, 1024) },
  { vcpus: 1, memory: range(2048, 8192, 1024) },
  { vcpus: 2, memory: range(4096, 16384, 1024) },
  { vcpus: 4, memory: range(8192, 30720, 1024) },
  { vcpus: 8, memory: range(16384, 61440, 4096) },
  { vcpus: 16, memory: range(32768, 122880, 8192) },
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** The resources of the user's container and of each runner container in one job. */
export interface ContainerResources {
  readonly step: { readonly vcpus: number; readonly memory: number; readonly gpus: number };
  readonly runner: { readonly vcpus?: number; readonly memory: number };
}

/**
 * Splits a job's resources between the containers.
 *
 * On Fargate the task size is the sum of the containers and must be one of Fargate's sizes, so the step gets
 * the smallest valid size that fits what it asked for plus the runner's share, less that share (never less
 * than it asked for). Returns a problem string when no Fargate size fits.
 */
export function containerResources(spec: JobDefinitionSpec): ContainerResources | string {
  if (spec.gpuQueue) {
    return { step: { vcpus: spec.vcpus, memory: spec.memory, gpus: spec.gpus }, runner: { memory: EC2_RUNNER_MEMORY } };
  }
  if (spec.gpus > 0) {
    return `${spec.gpus} GPU(s) were asked for on a Fargate (CPU) queue; Fargate has no GPUs: put the step on the gpu queue or a GPU extra queue`;
  }
  const needV = spec.vcpus + 2 * FARGATE_RUNNER_SHARE.vcpus;
  const needM = spec.memory + 2 * FARGATE_RUNNER_SHARE.memory;
  for (const size of FARGATE_SIZES) {
    if (size.vcpus < needV) continue;
    const memory = size.memory.find((m) => m >= needM);
    if (memory === undefined) continue;
    return {
      step: { vcpus: size.vcpus - 2 * FARGATE_RUNNER_SHARE.vcpus, memory: memory - 2 * FARGATE_RUNNER_SHARE.memory, gpus: 0 },
      runner: { ...FARGATE_RUNNER_SHARE },
    };
  }
  return (
    `${spec.vcpus} vCPU and ${spec.memory} MiB do not fit a Fargate task together with the runner's ` +
    `${2 * FARGATE_RUNNER_SHARE.vcpus} vCPU and ${2 * FARGATE_RUNNER_SHARE.memory} MiB (largest Fargate task: 16 vCPU, 122880 MiB); ` +
    'ask for at most 15 vCPU and 121856 MiB, or put the step on a GPU (EC2) queue'
  );
}

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
 * a 1,000-step definition under Step Functions' size limit) and a changed job gets a new name. Old revisions
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
    command: [name, '--job', `Ref::${JOB_PARAMETER}`, '--dir', SHARED_DIR],
    environment: [{ name: 'PIPEWRIGHT_STORE', value: ctx.storeLocation }],
    mountPoints,
    logConfiguration,
    resourceRequirements: requirements(resources.runner),
    dependsOn: dependsOn ? [{ containerName: dependsOn, condition: 'SUCCESS' }] : undefined,
  });
  const props: batch.CfnJobDefinitionProps = {
    type: 'container',
    platformCapabilities: [spec.gpuQueue ? 'EC2' : 'FARGATE'],
    parameters: { job: '' },
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
              secrets: containerSecrets(scope, spec.secrets),
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

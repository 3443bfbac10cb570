/**
 * The one rule set for compute sizes: how a step's `vcpus`/`memory` become the containers of its AWS Batch
 * job, and whether AWS would accept them. `pipewright validate` and the CDK constructs both call it, so a
 * size that validates is a size that synthesizes and registers.
 *
 * Each job is three containers: stage-in (runner), the step, stage-out (runner).
 *
 * - Fargate (every CPU queue): Fargate accepts only certain (vCPU, memory) pairs for a container's
 *   `resourceRequirements`, and the task size, which Batch takes as the sum of the containers, must be such a
 *   pair too. Here every container gets a valid pair and so does their sum: the step gets the smallest valid
 *   pair that covers its request, each runner half of what is left of the smallest task that fits.
 *   @see https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html (supported VCPU
 *   values 0.25, 0.5, 1, 2, 4, 8, 16 and the MEMORY values each allows)
 *   @see https://docs.aws.amazon.com/batch/latest/userguide/multi-container-jobs-scenarios.html (a Fargate task
 *   of several containers)
 * - EC2 (GPU queues): the step gets what it asked for; each runner reserves `EC2_RUNNER_MEMORY` MiB and no
 *   vCPU (it shares the instance), which leaves the step's request intact on a GPU instance it fills.
 */

/** A (vCPU, MiB) reservation. */
export interface Size {
  readonly vcpus: number;
  readonly memory: number;
}

/** How a job's resources are split between its containers. */
export interface ContainerResources {
  readonly step: { readonly vcpus: number; readonly memory: number; readonly gpus: number };
  /** Each of the two runner containers; `vcpus` is absent on EC2 (no reservation). */
  readonly runner: { readonly vcpus?: number; readonly memory: number };
  /** The task's total (what Fargate bills); absent on EC2. */
  readonly task?: Size;
}

/** MiB each runner container reserves on EC2. */
export const EC2_RUNNER_MEMORY = 256;

/** The smallest valid Fargate pair, which each runner container gets at least. */
export const FARGATE_RUNNER_MINIMUM: Size = { vcpus: 0.25, memory: 512 };

/**
 * Fargate's (vCPU, memory MiB) pairs, smallest first.
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html
 */
export const FARGATE_SIZES: ReadonlyArray<{ readonly vcpus: number; readonly memory: readonly number[] }> = [
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

/** Whether Fargate accepts `size` as a container's or a task's (vCPU, memory) pair. */
export function isFargateSize(size: Size): boolean {
  return FARGATE_SIZES.some((s) => s.vcpus === size.vcpus && s.memory.includes(size.memory));
}

/** Every valid Fargate pair, ordered by vCPU then memory. */
function pairs(): Size[] {
  return FARGATE_SIZES.flatMap((s) => s.memory.map((memory) => ({ vcpus: s.vcpus, memory })));
}

/** The largest step a Fargate job can hold (half the largest task; the runners take the other half). */
export const FARGATE_MAX_STEP: Size = { vcpus: 8, memory: 61440 };

/**
 * Splits a Fargate job: the smallest task whose step and runner containers are each valid Fargate pairs, the
 * step covering `request`. Returns a problem (what to change) when none exists.
 */
export function fargateResources(request: Size): ContainerResources | string {
  const all = pairs();
  for (const task of all) {
    for (const step of all) {
      if (step.vcpus < request.vcpus || step.memory < request.memory) continue;
      const runner = { vcpus: (task.vcpus - step.vcpus) / 2, memory: (task.memory - step.memory) / 2 };
      if (runner.vcpus < FARGATE_RUNNER_MINIMUM.vcpus || !isFargateSize(runner)) continue;
      return { step: { ...step, gpus: 0 }, runner, task };
    }
  }
  return (
    `${request.vcpus} vCPU and ${request.memory} MiB do not fit a Fargate job: every container and the task total ` +
    `must be a Fargate size, and the two runner containers take half the task, so a step gets at most ` +
    `${FARGATE_MAX_STEP.vcpus} vCPU and ${FARGATE_MAX_STEP.memory} MiB on a CPU queue; ask for less, or put the step ` +
    'on a GPU (EC2) queue'
  );
}

/** What one step's job needs. */
export interface ComputeRequest {
  readonly vcpus: number;
  readonly memory: number;
  readonly gpus: number;
  /** Whether the step's queue feeds the GPU (EC2) compute environment; otherwise Fargate. */
  readonly gpuQueue: boolean;
}

/** Splits a job's resources between its containers, or says why AWS would reject the size. */
export function containerResources(req: ComputeRequest): ContainerResources | string {
  if (req.gpuQueue) {
    return { step: { vcpus: req.vcpus, memory: req.memory, gpus: req.gpus }, runner: { memory: EC2_RUNNER_MEMORY } };
  }
  if (req.gpus > 0) {
    return `${req.gpus} GPU(s) were asked for on a Fargate (CPU) queue; Fargate has no GPUs: put the step on the gpu queue or a GPU extra queue`;
  }
  return fargateResources({ vcpus: req.vcpus, memory: req.memory });
}

/** The problem with a step's compute, or undefined when AWS would accept it. */
export function computeSizeProblem(req: ComputeRequest): string | undefined {
  const r = containerResources(req);
  return typeof r === 'string' ? r : undefined;
}

/**
 * One rule set for compute sizes: `pipewright validate` and synth agree, and every size they accept is one
 * AWS accepts.
 *
 * The oracle is AWS Batch's ResourceRequirement reference (Fargate: VCPU one of 0.25, 0.5, 1, 2, 4, 8, 16,
 * MEMORY one of the values listed for that VCPU), applied to each container and to the task total, which
 * Batch derives from the containers of an ecsProperties job
 * (https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html,
 * https://docs.aws.amazon.com/batch/latest/userguide/multi-container-jobs-scenarios.html).
 */
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PipelinePlatform, PublishedPipeline, preparePipeline } from '../../lib/constructs';
import { containerResources } from '../../lib/spec';
import { makeIr } from '../compiler/fixtures';
import { fastApp } from '../constructs/support';
import { makeWorkspace, parseIn, problemsOf } from './support';

/** Fargate's documented (vCPU → memory MiB) table, written out from the ResourceRequirement reference. */
const DOCUMENTED: Record<string, (m: number) => boolean> = {
  '0.25': (m) => [512, 1024, 2048].includes(m),
  '0.5': (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  '1': (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  '2': (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  '4': (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
  '8': (m) => m >= 16384 && m <= 61440 && m % 4096 === 0,
  '16': (m) => m >= 32768 && m <= 122880 && m % 8192 === 0,
};
const valid = (v: number, m: number): boolean => DOCUMENTED[String(v)]?.(m) ?? false;

describe('Fargate job sizes', () => {
  it('gives every container and the task a documented Fargate size, covering the request', () => {
    for (const vcpus of [1, 2, 3, 4, 5, 6, 7, 8]) {
      for (const memory of [512, 1000, 2048, 3072, 4096, 6000, 8192, 12288, 16384, 30720, 61440]) {
        const r = containerResources({ vcpus, memory, gpus: 0, gpuQueue: false });
        if (typeof r === 'string') continue;
        const label = `${vcpus} vCPU / ${memory} MiB`;
        expect(valid(r.step.vcpus, r.step.memory), `${label}: step ${JSON.stringify(r.step)}`).toBe(true);
        expect(valid(r.runner.vcpus!, r.runner.memory), `${label}: runner ${JSON.stringify(r.runner)}`).toBe(true);
        const task = { vcpus: r.step.vcpus + 2 * r.runner.vcpus!, memory: r.step.memory + 2 * r.runner.memory };
        expect(valid(task.vcpus, task.memory), `${label}: task ${JSON.stringify(task)}`).toBe(true);
        expect(r.step.vcpus >= vcpus && r.step.memory >= memory, label).toBe(true);
      }
    }
  });

  it('gives the default step (1 vCPU, 2048 MiB) exactly that, in a 2 vCPU / 4096 MiB task', () => {
    expect(containerResources({ vcpus: 1, memory: 2048, gpus: 0, gpuQueue: false })).toEqual({
      step: { vcpus: 1, memory: 2048, gpus: 0 },
      runner: { vcpus: 0.5, memory: 1024 },
      task: { vcpus: 2, memory: 4096 },
    });
  });

  it('rejects what no Fargate task can hold, in validate and in synth with the same words', async () => {
    // GIVEN a step asking for 16 vCPUs on the (Fargate) cpu queue
    const ws = makeWorkspace();
    const text = 'name: big\nsteps:\n  a:\n    command: [node, x]\n    compute: { vcpus: 16, memory: 32768 }\n';
    // WHEN validated THEN the problem names the step's compute and the limit
    const problems = problemsOf(ws, text);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^steps\.a\.compute: 16 vCPU and 32768 MiB do not fit a Fargate job: .* at most 8 vCPU and 61440 MiB/),
    ]);
    // AND synth (given the IR directly, skipping validation) refuses it with the same explanation
    const ir = makeIr([{ name: 'a', deps: [] }], 'big');
    const big = { ...ir, steps: { a: { ...ir.steps.a, compute: { ...ir.steps.a.compute, vcpus: 16, memory: 32768 } } } };
    const stack = new Stack(fastApp(), 'Big');
    const platform = new PipelinePlatform(stack, 'Platform');
    const prepared = await preparePipeline(big);
    expect(() => new PublishedPipeline(stack, 'Pipe', { platform, pipeline: prepared })).toThrow(/steps\.a\.compute: 16 vCPU and 32768 MiB do not fit a Fargate job/);
  });

  it('accepts the same step on a GPU (EC2) queue', async () => {
    const ws = makeWorkspace();
    const text = 'name: big\nsteps:\n  a:\n    command: [node, x]\n    compute: { vcpus: 16, memory: 32768, queue: gpu }\n';
    expect(parseIn(ws, text).steps.a.compute).toMatchObject({ vcpus: 16, memory: 32768, queue: 'gpu' });
  });
});

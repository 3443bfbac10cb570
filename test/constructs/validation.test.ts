/**
 * Misuse of the constructs throws a validation error that names the construct path and the fix.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { PipelinePlatform, PublishedPipeline, type PreparedPipeline, preparePipeline } from '../../lib/constructs';
import type { PipelineIR } from '../../lib/ir/types';
import { makeIr } from '../compiler/fixtures';
import { fastApp, synthStack } from './support';

function platformIn(props: ConstructorParameters<typeof PipelinePlatform>[2] = {}): () => PipelinePlatform {
  return () => new PipelinePlatform(new Stack(fastApp(), 'Misuse'), 'Platform', props);
}

describe('PipelinePlatform', () => {
  // GIVEN an invalid or reserved extra queue name WHEN the platform is built THEN the error names path and rule
  it.each([
    [{ name: 'Big Mem' }, /^Misuse\/Platform: extraQueues\[0\]\.name "Big Mem" is invalid: expected a lower-case letter/],
    [{ name: 'gpu' }, /^Misuse\/Platform: extraQueues\[0\]\.name "gpu" is reserved/],
  ])('rejects extra queue %o', (queue, message) => {
    expect(platformIn({ extraQueues: [queue] })).toThrow(message);
  });

  it('rejects a queue declared twice', () => {
    expect(platformIn({ extraQueues: [{ name: 'bigmem' }, { name: 'bigmem', gpu: true }] })).toThrow(
      /^Misuse\/Platform: extraQueues\[1\]\.name "bigmem" is declared twice/,
    );
  });

  it('rejects assignPublicIp: false without a VPC that has NAT', () => {
    expect(platformIn({ assignPublicIp: false })).toThrow(/^Misuse\/Platform: assignPublicIp is false but no vpc was given/);
  });

  it('rejects vpcSubnets without vpc', () => {
    expect(platformIn({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } })).toThrow(
      /^Misuse\/Platform: vpcSubnets was given without vpc/,
    );
  });

  it('rejects a GPU environment with no instance family or type', () => {
    expect(platformIn({ gpuCompute: { instanceClasses: [] } })).toThrow(/^Misuse\/Platform: gpuCompute\.instanceClasses is empty/);
  });

  it('reports every problem at once', () => {
    expect(platformIn({ assignPublicIp: false, cpuCompute: { maxvCpus: 0 } })).toThrow(/assignPublicIp.*; cpuCompute\.maxvCpus must be a positive integer\. Received 0\./);
  });
});

describe('PublishedPipeline', () => {
  let onBigmem: PreparedPipeline;
  let tooBig: PreparedPipeline;

  beforeAll(async () => {
    onBigmem = await preparePipeline(makeIr([{ name: 'a', deps: [], queue: 'bigmem' }], 'needs-queue'));
    const ir = makeIr([{ name: 'huge', deps: [] }], 'huge');
    const huge: PipelineIR = {
      ...ir,
      steps: { huge: { ...ir.steps.huge, compute: { ...ir.steps.huge.compute, vcpus: 16, memory: 122880 } } },
    };
    tooBig = await preparePipeline(huge);
  });

  it('rejects a step on a queue the platform does not have, naming the fix', () => {
    const stack = new Stack(fastApp(), 'Misuse');
    const platform = new PipelinePlatform(stack, 'Platform');
    expect(() => new PublishedPipeline(stack, 'Pipe', { platform, pipeline: onBigmem })).toThrow(
      /^Misuse\/Pipe: step "a" runs on queue "bigmem", which the platform does not have .*extraQueues \(\{ name: 'bigmem', gpu: false \}\)/,
    );
  });

  it('rejects a queue whose GPU flag disagrees with the platform', () => {
    const stack = new Stack(fastApp(), 'Misuse');
    const platform = new PipelinePlatform(stack, 'Platform', { extraQueues: [{ name: 'bigmem', gpu: true }] });
    expect(() => new PublishedPipeline(stack, 'Pipe', { platform, pipeline: onBigmem })).toThrow(
      /^Misuse\/Pipe: queue "bigmem" is declared without GPUs .* but the platform's queue "bigmem" is a GPU queue/,
    );
  });

  it('rejects a Fargate step too large for a job with the runner', () => {
    const stack = new Stack(fastApp(), 'Misuse');
    const platform = new PipelinePlatform(stack, 'Platform');
    expect(() => new PublishedPipeline(stack, 'Pipe', { platform, pipeline: tooBig })).toThrow(
      /^Misuse\/Pipe: .*steps\.huge\.compute: 16 vCPU and 122880 MiB do not fit a Fargate job/,
    );
  });

  it('adds the queues pipelines declare to the platform in PipewrightStack', () => {
    const { stack } = synthStack({ pipelines: [onBigmem] });
    expect(stack.platform.queue('bigmem')?.gpu).toBe(false);
  });

  it('rejects two pipelines with the same name', () => {
    expect(() => synthStack({ pipelines: [onBigmem, onBigmem] })).toThrow(/^Test: two definitions are named "needs-queue"/);
  });
});

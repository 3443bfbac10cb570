/**
 * The batch-scoring example in the TypeScript DSL: the same pipeline as pipeline.yaml, with typed
 * references (the foreach source, the gathered outputs, the metric the condition reads).
 */
import { param, path, pipeline } from '../../lib/dsl';

const p = pipeline('batch-scoring', {
  description: 'Score transaction partitions in parallel, merge, and publish when the flagged rate is plausible',
  parameters: {
    partitions: param.integer({ default: 12, minimum: 1, maximum: 10000 }),
    rows: param.integer({ default: 200, minimum: 1 }),
    seed: param.integer({ default: 7 }),
    threshold: param.number({ default: 0.5, minimum: 0, maximum: 1 }),
    max_flagged_rate: param.number({ default: 0.2 }),
  },
  defaults: { image: 'public.ecr.aws/docker/library/node:22-slim' },
});

const partition = p.step('partition', {
  code: './steps/partition',
  command: ['node', 'partition.mjs'],
  params: ['partitions', 'rows', 'seed'],
  outputs: ['parts'],
});
const score = p.foreach('score', {
  foreach: partition.outputs.parts,
  batch: 4,
  tolerate: { percent: 10 },
  compute: { vcpus: 0.25, memory: 512 },
  code: './steps/score',
  command: ['node', 'score.mjs'],
  inputs: { model: path('./data/model.json') },
  outputs: ['scores'],
});
const merge = p.step('merge', {
  code: './steps/merge',
  command: ['node', 'merge.mjs'],
  inputs: { scores: score.outputs.scores, items: score.outputs.items },
  params: ['threshold'],
  outputs: ['scores'],
  metrics: ['rows', 'flagged_rate', 'missing_partitions'],
});
p.step('publish', {
  when: `${merge.metrics.flagged_rate} <= params.max_flagged_rate`,
  code: './steps/publish',
  command: ['node', 'publish.mjs'],
  inputs: { scores: merge.outputs.scores },
  outputs: ['published'],
});
p.finally('report', {
  command: ['sh', '-c', 'echo "batch-scoring finished: $PW_RUN_STATUS${PW_FAILED_STEPS:+ (failed: $PW_FAILED_STEPS)}"'],
});

export default p;

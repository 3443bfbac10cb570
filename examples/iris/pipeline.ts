/**
 * The iris pipeline in the TypeScript DSL: the twin of pipeline.yaml (both compile to the same IR).
 */
import { param, path, pipeline } from 'pipewright';

const p = pipeline('iris', {
  description: 'Train and evaluate a softmax classifier on Iris',
  parameters: {
    learning_rate: param.number({ default: 0.5, minimum: 0 }),
    epochs: param.integer({ default: 300, minimum: 1 }),
    min_accuracy: param.number({ default: 0.9 }),
    split: param.string({ enum: ['stratified', 'random'], default: 'stratified' }),
  },
  defaults: {
    image: 'public.ecr.aws/docker/library/node:22-slim',
    compute: { vcpus: 1, memory: 2048 }, // memory in MiB
    retries: 1,
    timeout: '1h',
  },
});

const prepare = p.step('prepare', {
  code: './steps/prepare', // relative to this file
  command: ['node', 'prepare.mjs'],
  inputs: { raw: path('./data/iris.csv') },
  params: ['split'],
  outputs: ['train', 'test'],
});

const train = p.step('train', {
  code: './steps/train',
  command: ['node', 'train.mjs'],
  inputs: { train: prepare.outputs.train },
  params: ['learning_rate', 'epochs'],
  compute: { vcpus: 2, memory: 4096, gpus: 1 }, // gpus > 0 → GPU queue
  outputs: ['model'],
  retries: 2,
  timeout: '30m',
});

const evaluate = p.step('evaluate', {
  code: './steps/evaluate',
  command: ['node', 'evaluate.mjs'],
  inputs: { model: train.outputs.model, test: prepare.outputs.test },
  outputs: ['report'],
});

p.step('register', {
  code: './steps/register',
  command: ['node', 'register.mjs'],
  inputs: { model: train.outputs.model, report: evaluate.outputs.report },
  params: ['min_accuracy'],
  outputs: ['registered'],
  after: [evaluate], // ordering without data (allowed, redundant here)
});

p.schedule('nightly', { cron: '0 3 * * ? *', timezone: 'Europe/Berlin', parameters: { epochs: 500 } });

export default p;

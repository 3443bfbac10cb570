/**
 * The iris pipeline as the spec loader builds it from examples/iris/pipeline.yaml, written by hand so the
 * runner's tests do not depend on the spec layer.
 */
import { join, resolve } from 'node:path';
import type { PipelineIR, StepIR } from '../../lib/ir/types';
import { pipeline, step } from '../reuse/fixtures';

/** The example's folder. */
export const IRIS = resolve(__dirname, '../../examples/iris');

/** The iris IR, reading its raw data from `raw`. */
export function irisIR(raw = join(IRIS, 'data/iris.csv')): PipelineIR {
  const s = (name: string, over: Partial<StepIR>): StepIR => step(name, { code: join(IRIS, 'steps', name), command: ['node', `${name}.mjs`], ...over });
  return pipeline(
    [
      s('prepare', { inputs: { raw: { kind: 'path', path: raw } }, params: ['split'], outputs: ['train', 'test'] }),
      s('train', { inputs: { train: { kind: 'step', step: 'prepare', output: 'train' } }, params: ['epochs', 'learning_rate'], outputs: ['model'] }),
      s('evaluate', {
        inputs: { model: { kind: 'step', step: 'train', output: 'model' }, test: { kind: 'step', step: 'prepare', output: 'test' } },
        outputs: ['report'],
      }),
      s('register', {
        inputs: { model: { kind: 'step', step: 'train', output: 'model' }, report: { kind: 'step', step: 'evaluate', output: 'report' } },
        params: ['min_accuracy'],
        outputs: ['registered'],
      }),
    ],
    { name: 'iris' },
  );
}

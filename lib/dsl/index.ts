/**
 * The TypeScript DSL: the same pipelines as the YAML spec, with typed output handles.
 *
 * ```ts
 * import { param, path, pipeline } from '../lib/dsl';
 * const p = pipeline('iris', { parameters: { epochs: param.integer({ default: 300 }) } });
 * const prepare = p.step('prepare', { command: ['node', 'prepare.mjs'], inputs: { raw: path('./data/iris.csv') }, outputs: ['train'] });
 * p.step('train', { command: ['node', 'train.mjs'], inputs: { train: prepare.outputs.train }, params: ['epochs'] });
 * export default p;
 * ```
 */
export { pipeline, Pipeline } from './pipeline';
export type {
  ComputeProps,
  DefaultsProps,
  PipelineDescriptor,
  PipelineProps,
  QueueProps,
  ScheduleProps,
  StepHandle,
  StepProps,
} from './pipeline';
export { param, type NumericParamOptions, type ParamOptions, type ParamSpec } from './param';
export { MetricRef, OutputRef, path, uri, type Input, type PathInput, type UriInput } from './inputs';

/**
 * Pipewright's public API: the DSL to define pipelines, and the functions behind the CLI.
 *
 * The CDK constructs live in their own entry point, `pipewright/constructs`, so that defining or
 * running a pipeline never loads aws-cdk-lib.
 *
 * @example
 * import { pipeline, param, path } from 'pipewright';
 * const p = pipeline('demo', { parameters: { epochs: param.integer({ default: 10 }) } });
 * p.step('train', { command: ['python', 'train.py'], params: ['epochs'], outputs: ['model'] });
 * export default p;
 */
export * from './dsl';
export { loadPipeline, resolveParameters } from './spec';
export { compile, renderDefinition, substitute } from './compiler';
export { renderGraph } from './graph';
export { openStore, createFsStore, createS3Store } from './store';
export { startRun, loadRun } from './engine';
export * from './errors';
export type * from './ir/types';
export type * from './store/types';
export type * from './protocol';
/** @deprecated The tree listing's old name; use `TreeListing`. */
export type { TreeListing as TreeManifest } from './store/types';

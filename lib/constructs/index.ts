/**
 * CDK constructs: the shared `PipelinePlatform` and one `PublishedPipeline` per pipeline.
 *
 * ```ts
 * const app = new App();
 * const stack = new Stack(app, 'Pipewright');
 * const platform = new PipelinePlatform(stack, 'Platform', { gpuCompute: { spot: true } });
 * new PublishedPipeline(stack, 'Iris', { platform, pipeline: await preparePipeline('pipelines/iris.yaml') });
 * ```
 *
 * See docs/deploy.md for bootstrap, deploy, triggering, schedules, costs and teardown.
 */
export * from './pipeline-platform';
export * from './published-pipeline';
export * from './prepare';
export * from './runner-image';
export { ConstructValidationError } from './private/validation';
export * from './pipewright-stack';

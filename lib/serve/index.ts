/**
 * The local twin of the deployed API (`pipewright serve`): the same handler over the local engine, on
 * loopback, firing the definitions' schedules in-process.
 *
 * ```ts
 * const server = await startServer({ pipelines: [await loadPipeline('pipeline.yaml')], store: openStore('.pipewright'), port: 0 });
 * ```
 */
export { createLocalDeps, type LocalDeps, type LocalDepsOptions } from './local-deps';
export { startServer, type RunningServer, type ServerOptions } from './server';
export { localRunSource, viewOfRunDocument, type LocalRunSourceOptions } from './history-source';
export { startUiProxy, type RunningUiProxy, type UiProxyOptions } from './proxy-server';
export { startScheduler, type ScheduledFire, type Scheduler, type SchedulerOptions } from './scheduler';

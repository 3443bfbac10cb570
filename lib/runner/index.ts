/**
 * The runner: the step contract (docs/steps.md), shared by the local engine and AWS Batch.
 *
 * ```ts
 * const record = await runJob({ store, job: lookupResult.job!, env: { CUDA_VISIBLE_DEVICES: '0' } });
 * ```
 * In Batch the same code runs as `runner stage-in` / the user's `/bin/sh /pw/step.sh` / `runner stage-out`.
 */
export * from './layout';
export * from './env';
export * from './step-script';
export * from './metrics';
export * from './stage-in';
export * from './stage-out';
export * from './run-job';
export * from './run-batch';
export { type ItemOutcome } from './mini-batch';
export * from './gpus';
export * from './process-alive';

/**
 * The trigger API's server side: one transport-neutral handler, its cloud dependencies (Step Functions,
 * Batch, the S3 store), the API Gateway adapter and SigV4. The local twin is lib/serve; the client lib/client.
 *
 * ```ts
 * // Lambda (lambdas/api.ts):
 * export const handler = createApiGatewayHandler(); // reads PIPEWRIGHT_* environment variables
 * // Any transport:
 * const handle = createApiHandler(deps); const res = await handle({ method: 'GET', path: '/pipelines', headers: {} });
 * ```
 */
export type {
  ApiDeps,
  ApiPipelineVersion,
  ApiRequest,
  ApiResponse,
  ApiRunView,
  CancelOutcome,
  PipelineSummary,
  PipelineTarget,
  StartRunOutcome,
  StartRunRequest,
} from './types';
export { createApiHandler, TRIGGER_HEADER, type ApiHandler, type ApiHandlerOptions } from './handler';
export { HttpError } from './http-error';
export { MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_LENGTH } from './trigger-body';
export { idempotencyHash, idempotentRunId, idempotencyRecordKey, type IdempotencyRecord } from './idempotency';
export { buildRunView, readStepDocuments, type RunViewInput } from './run-view';
export { createCloudDeps, type CloudDepsOptions } from './cloud-deps';
export { DEFAULT_REGISTRY_PREFIX, parseRegistryJson, staticRegistry, storeRegistry, type PipelineRegistry } from './registry';
export { createApiGatewayHandler } from './lambda';
export * from './history/index';

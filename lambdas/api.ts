/**
 * Lambda entry of the trigger API (API Gateway REST proxy integration).
 *
 * Configured by the platform's environment: `PIPEWRIGHT_STORE` (the artifact bucket), `PIPEWRIGHT_REGISTRY_PREFIX`
 * (where `PublishedPipeline` writes each pipeline's registry entry) and `PIPEWRIGHT_JOB_QUEUES` (the platform's
 * queue names, searched when a run is cancelled).
 */
import { createApiGatewayHandler } from '../lib/api';

export const handler = createApiGatewayHandler();

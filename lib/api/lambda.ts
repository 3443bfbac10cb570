/**
 * The trigger API behind API Gateway (REST, proxy integration): event ↔ request adapters and a handler
 * wired to the cloud dependencies from environment variables.
 *
 * Environment: `PIPEWRIGHT_STORE` (`s3://<bucket>[/prefix]`, required), `PIPEWRIGHT_REGISTRY_PREFIX`
 * (default `registry/`), `PIPEWRIGHT_PIPELINES` (optional JSON array of registry entries replacing the store
 * registry), `PIPEWRIGHT_JOB_QUEUES` (JSON array or comma-separated list of job queue names/ARNs searched
 * when cancelling).
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { openStore } from '../store';
import { createCloudDeps } from './cloud-deps';
import { cloudRunSource } from './history/cloud-source';
import { createRunHistory, withHistory } from './history/history';
import { createApiHandler } from './handler';
import { DEFAULT_REGISTRY_PREFIX, parseRegistryJson, staticRegistry, storeRegistry } from './registry';
import type { ApiDeps, ApiRequest, ApiResponse } from './types';

/** The transport-neutral request of an API Gateway proxy event. */
export function apiRequestFromEvent(event: APIGatewayProxyEvent): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const body = event.body == null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const host = headers.host ?? event.requestContext?.domainName;
  const stage = event.requestContext?.stage;
  return {
    method: event.httpMethod,
    path: event.path,
    headers,
    ...(event.queryStringParameters ? { query: { ...event.queryStringParameters } } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(host ? { baseUrl: `https://${host}${stage && stage !== '$default' ? `/${stage}` : ''}` } : {}),
  };
}

/** The proxy result of an API response. */
export function proxyResultOf(res: ApiResponse): APIGatewayProxyResult {
  return { statusCode: res.statusCode, headers: res.headers, body: res.body };
}

/** Parses `PIPEWRIGHT_JOB_QUEUES`: a JSON array or a comma-separated list. */
export function parseJobQueues(text: string | undefined): string[] {
  if (!text || !text.trim()) return [];
  const t = text.trim();
  if (t.startsWith('[')) return (JSON.parse(t) as unknown[]).map(String);
  return t.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Cloud dependencies from environment variables (see the module doc). */
export function cloudDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  if (!env.PIPEWRIGHT_STORE) throw new Error('PIPEWRIGHT_STORE is not set; expected s3://<artifact bucket>');
  const store = openStore(env.PIPEWRIGHT_STORE);
  const registry = env.PIPEWRIGHT_PIPELINES
    ? staticRegistry(parseRegistryJson(env.PIPEWRIGHT_PIPELINES))
    : storeRegistry(store, env.PIPEWRIGHT_REGISTRY_PREFIX ?? DEFAULT_REGISTRY_PREFIX);
  const sfn = new SFNClient({});
  const deps = createCloudDeps({ sfn, batch: new BatchClient({}), store, registry, jobQueues: parseJobQueues(env.PIPEWRIGHT_JOB_QUEUES),
    capacityWaitMinutes: Number(env.PIPEWRIGHT_CAPACITY_WAIT_MINUTES) || undefined,
  });
  return withHistory(deps, createRunHistory(cloudRunSource({ sfn, registry, getRun: (p, r) => deps.getRun(p, r) }), store));
}

/**
 * A Lambda handler for API Gateway proxy events: `export const handler = createApiGatewayHandler();`.
 *
 * Dependencies are created on the first request (so a misconfiguration answers 500 naming the variable).
 */
export function createApiGatewayHandler(deps?: ApiDeps): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  let handler: ((req: ApiRequest) => Promise<ApiResponse>) | undefined;
  return async (event) => {
    try {
      handler ??= createApiHandler(deps ?? cloudDepsFromEnv());
    } catch (err) {
      console.error(err);
      return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: `Misconfigured API: ${(err as Error).message}` }) };
    }
    return proxyResultOf(await handler(apiRequestFromEvent(event)));
  };
}

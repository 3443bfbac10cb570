/**
 * The trigger API's router: one function from request to response, shared by the Lambda and `pipewright serve`.
 */
import { NotFoundError, UsageError } from '../errors';
import { newRunId } from '../protocol';
import { routeHistory, HISTORY_ROUTES } from './history/routes';
import { HttpError } from './http-error';
import { parametersSchema, resolveApiParameters } from './parameters';
import { parseTriggerBody } from './trigger-body';
import type { ApiDeps, ApiRequest, ApiResponse } from './types';

/** A request handler. */
export type ApiHandler = (req: ApiRequest) => Promise<ApiResponse>;

/** Options of `createApiHandler`. */
export interface ApiHandlerOptions {
  /** Receives unexpected errors (with stack) for the operator's log; clients only see the message. @default - console.error */
  readonly logError?: (err: unknown, req: ApiRequest) => void;
}

/** Header the local scheduler sets to record what started a run (`schedule:<name>`). */
export const TRIGGER_HEADER = 'x-pipewright-trigger';

/** Run ids the API accepts in paths: Step Functions execution-name characters. */
const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;

function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: `${JSON.stringify(value)}\n` };
}

function errorResponse(err: HttpError): ApiResponse {
  const body: Record<string, unknown> = { error: err.message };
  if (err.problems) body.problems = err.problems;
  return json(err.statusCode, body, { ...err.headers });
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `Path segment ${JSON.stringify(s)} is not valid percent-encoding.`);
  }
}

function methodNotAllowed(method: string, path: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, `${method} is not supported on ${path}; use ${allowed.join(' or ')}.`, undefined, {
    allow: allowed.join(', '),
  });
}

/** `GET /pipelines`. */
async function listPipelines(deps: ApiDeps): Promise<ApiResponse> {
  const pipelines = await deps.listPipelines();
  return json(200, {
    pipelines: pipelines.map((p) => ({
      name: p.name,
      ...(p.description !== undefined ? { description: p.description } : {}),
      versions: p.versions,
      ...(p.live !== undefined ? { live: p.live } : {}),
      parameters: parametersSchema(p.name, p.parameters),
      steps: p.steps,
    })),
  });
}

/** `POST /pipelines/{name}/runs`. */
async function trigger(deps: ApiDeps, req: ApiRequest, name: string): Promise<ApiResponse> {
  const body = parseTriggerBody(req.body);
  const target = await deps.getPipeline(name, body.version);
  if (target === 'no-pipeline') throw unknownPipeline(name);
  if (target === 'no-version') {
    throw new HttpError(404, `Pipeline '${name}' has no version ${body.version}; list its versions with GET /pipelines, or leave "version" out to run the live one.`);
  }
  let parameters;
  try {
    parameters = resolveApiParameters(name, target.parameters, body.parameters);
  } catch (err) {
    if (err instanceof UsageError) {
      throw new HttpError(400, `Invalid parameters for pipeline '${name}': ${err.problems.length} problem(s); see "problems".`, err.problems);
    }
    throw err;
  }
  const outcome = await deps.startRun({
    pipeline: name,
    version: body.version,
    parameters,
    runId: newRunId(),
    idempotencyKey: body.idempotencyKey,
    ...(req.headers[TRIGGER_HEADER] ? { trigger: req.headers[TRIGGER_HEADER] } : {}),
  });
  const statusUrl = `${req.baseUrl ?? ''}/pipelines/${encodeURIComponent(name)}/runs/${outcome.runId}`;
  return outcome.existing
    ? json(200, { runId: outcome.runId, statusUrl, existing: true })
    : json(202, { runId: outcome.runId, statusUrl });
}

function unknownPipeline(name: string): HttpError {
  return new HttpError(404, `No pipeline named '${name}' is published here; list them with GET /pipelines.`);
}

function unknownRun(name: string, runId: string): HttpError {
  return new HttpError(404, `Pipeline '${name}' has no run '${runId}'; use the runId that POST /pipelines/${name}/runs returned.`);
}

/** `GET /pipelines/{name}/runs/{runId}`. */
async function getRun(deps: ApiDeps, name: string, runId: string): Promise<ApiResponse> {
  if (!RUN_ID.test(runId)) throw unknownRun(name, runId);
  const view = await deps.getRun(name, runId);
  if (!view) {
    const known = await deps.getPipeline(name);
    throw known === 'no-pipeline' ? unknownPipeline(name) : unknownRun(name, runId);
  }
  return json(200, view);
}

/** `DELETE /pipelines/{name}/runs/{runId}`. */
async function cancelRun(deps: ApiDeps, name: string, runId: string): Promise<ApiResponse> {
  if (!RUN_ID.test(runId)) throw unknownRun(name, runId);
  const outcome = await deps.cancelRun(name, runId);
  switch (outcome.kind) {
    case 'not-found': {
      const known = await deps.getPipeline(name);
      throw known === 'no-pipeline' ? unknownPipeline(name) : unknownRun(name, runId);
    }
    case 'finished':
      return json(409, { error: `Run '${runId}' already finished with status ${outcome.status}; there is nothing to cancel.`, status: outcome.status });
    default:
      return json(202, {
        runId,
        status: outcome.kind,
        ...(outcome.terminatedJobs ? { terminatedJobs: outcome.terminatedJobs } : {}),
      });
  }
}

/** Dispatches a request to its route. */
async function route(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const method = req.method.toUpperCase();
  const path = (req.path.split('?')[0] || '/').replace(/\/+$/, '') || '/';
  const segs = path.split('/').slice(1).map(decodeSegment);
  if (segs[0] === 'pipelines') {
    if (segs.length === 1) {
      if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
      return listPipelines(deps);
    }
    if (segs.length === 3 && segs[2] === 'runs') {
      if (method === 'POST') return trigger(deps, req, segs[1]);
      // GET lists runs: a history route, below.
      if (method !== 'GET' || !deps.history) throw methodNotAllowed(method, path, deps.history ? ['GET', 'POST'] : ['POST']);
    }
    if (segs.length === 4 && segs[2] === 'runs') {
      if (method === 'GET') return getRun(deps, segs[1], segs[3]);
      if (method === 'DELETE') return cancelRun(deps, segs[1], segs[3]);
      throw methodNotAllowed(method, path, ['GET', 'DELETE']);
    }
  }
  if (deps.history) {
    const answer = await routeHistory(deps.history, method, segs, req.query ?? {});
    if (answer) return answer;
  }
  throw new HttpError(
    404,
    `No route for ${method} ${path}; the API serves GET /pipelines, POST /pipelines/{name}/runs, GET and DELETE /pipelines/{name}/runs/{runId}` +
      `${deps.history ? `, ${HISTORY_ROUTES.join(', ')}` : ''}.`,
  );
}

/**
 * Creates the API handler over the given dependencies.
 *
 * Routes: `GET /pipelines`, `POST /pipelines/{name}/runs`, `GET|DELETE /pipelines/{name}/runs/{runId}`.
 * Every error is a JSON `{ "error", "problems"? }`; unexpected errors answer 500 with the message only.
 */
export function createApiHandler(deps: ApiDeps, options: ApiHandlerOptions = {}): ApiHandler {
  const logError = options.logError ?? ((err: unknown) => console.error(err));
  return async (req) => {
    try {
      return await route(deps, req);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      if (err instanceof UsageError) return errorResponse(new HttpError(400, err.message, err.problems));
      if (err instanceof NotFoundError) return errorResponse(new HttpError(404, err.message));
      logError(err, req);
      return json(500, { error: `Internal error: ${(err as Error)?.message ?? String(err)}` });
    }
  };
}

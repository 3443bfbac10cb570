/**
 * `pipewright serve`: the trigger API on loopback over `node:http`, with the local engine behind it and the
 * definitions' schedules firing in-process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createApiHandler, MAX_BODY_BYTES, TRIGGER_HEADER, type ApiHandler, type ApiResponse } from '../api';
import { DEFAULT_PORT, verifySigV4 } from '../client';
import type { EngineEvent, RunHandle, RunOptions } from '../engine';
import type { PipelineIR, ScheduleIR } from '../ir';
import type { ArtifactStore } from '../store';
import { createLocalDeps, type LocalDeps } from './local-deps';
import { startScheduler, type Scheduler } from './scheduler';
import { uiResponse, type UiResponse } from '../ui';

/** Options of `startServer`. */
export interface ServerOptions {
  /** The pipelines to serve (unique names). */
  readonly pipelines: readonly PipelineIR[];
  readonly store: ArtifactStore;
  /** TCP port; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Verify SigV4 signatures against these credentials (as API Gateway's AWS_IAM authorization would). @default - signatures are accepted unchecked */
  readonly sigv4Credentials?: AwsCredentialIdentity;
  /** Fire the definitions' schedules. @default true */
  readonly schedules?: boolean;
  /** Most steps at once per run. @default - the engine's default */
  readonly concurrency?: number;
  /** Receives one line per request, schedule fire and run event worth showing. @default - none */
  readonly log?: (line: string) => void;
  /** Starts runs. @default - the local engine */
  readonly startRun?: (options: RunOptions) => RunHandle;
  /** The schedules' clock. @default - `() => new Date()` */
  readonly now?: () => Date;
  /** Serve the web UI at `/ui/` (and redirect `/` there). @default true */
  readonly ui?: boolean;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly deps: LocalDeps;
  readonly handler: ApiHandler;
  readonly scheduler?: Scheduler;
  /** Stops listening and schedules, cancels active runs and waits for them. */
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function queryOf(pathAndQuery: string): Record<string, string> {
  return Object.fromEntries(new URL(pathAndQuery, 'http://x').searchParams);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: ApiResponse | UiResponse, close = false): void {
  res.writeHead(r.statusCode, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)), ...(close ? { connection: 'close' } : {}) });
  res.end(r.body);
}

function errorJson(statusCode: number, error: string): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify({ error })}\n` };
}

function describeEvent(runId: string, e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'step-started':
      return `run ${runId}: ${e.step} started`;
    case 'step-finished':
      return `run ${runId}: ${e.step} ${e.result.status}`;
    case 'run-finished':
      return `run ${runId}: ${e.document.status}`;
    case 'warning':
      return `run ${runId}: warning: ${e.message}`;
    default:
      return undefined;
  }
}

/** Starts the local trigger API; resolves once it is listening. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const deps = createLocalDeps({
    pipelines: options.pipelines,
    store: options.store,
    concurrency: options.concurrency,
    startRun: options.startRun,
    onRunEvent: (runId, e) => {
      const line = describeEvent(runId, e);
      if (line) log(line);
    },
  });
  const handler = createApiHandler(deps, { logError: (err, req) => log(`error in ${req.method} ${req.path}: ${(err as Error)?.stack ?? err}`) });

  const server = createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      const pathAndQuery = req.url ?? '/';
      let body: string;
      try {
        body = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          log(`${method} ${pathAndQuery} → 413`);
          send(res, errorJson(413, `Request body is larger than ${MAX_BODY_BYTES} bytes; send only "parameters", "version" and "idempotencyKey".`), true);
          return;
        }
        throw err;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const page = options.ui === false ? undefined : await uiResponse(method, pathAndQuery.split('?')[0], queryOf(pathAndQuery), options.store);
      if (page) {
        log(`${method} ${pathAndQuery} → ${page.statusCode}`);
        send(res, page);
        return;
      }
      if (options.sigv4Credentials) {
        const problem = await verifySigV4({ method, pathAndQuery, headers, body }, { credentials: options.sigv4Credentials });
        if (problem) {
          log(`${method} ${pathAndQuery} → 403 (${problem})`);
          send(res, errorJson(403, problem));
          return;
        }
      }
      const r = await handler({ method, path: pathAndQuery.split('?')[0], query: queryOf(pathAndQuery), headers, body, baseUrl: `http://${headers.host ?? `${options.host ?? '127.0.0.1'}`}` });
      log(`${method} ${pathAndQuery} → ${r.statusCode}`);
      send(res, r);
    })().catch((err) => {
      log(`error: ${(err as Error)?.stack ?? err}`);
      if (!res.headersSent) send(res, errorJson(500, `Internal error: ${(err as Error)?.message ?? err}`));
      else res.end();
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let scheduler: Scheduler | undefined;
  if (options.schedules ?? true) {
    scheduler = startScheduler({
      pipelines: options.pipelines,
      now: options.now,
      fire: async (pipeline: PipelineIR, schedule: ScheduleIR) => {
        const r = await handler({
          method: 'POST',
          path: `/pipelines/${encodeURIComponent(pipeline.name)}/runs`,
          headers: { [TRIGGER_HEADER]: `schedule:${schedule.name}` },
          body: JSON.stringify({ parameters: schedule.parameters }),
          baseUrl: url,
        });
        log(`schedule ${pipeline.name}/${schedule.name} fired → ${r.statusCode} ${r.body.trim()}`);
      },
      onError: (err, p, s) => log(`schedule ${p.name}/${s.name} failed: ${(err as Error)?.message ?? err}`),
    });
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    deps,
    handler,
    scheduler,
    close() {
      closing ??= (async () => {
        scheduler?.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await deps.shutdown();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

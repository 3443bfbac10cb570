/**
 * `pipewright serve --api <url>`: the web UI on loopback for a deployed stack. The page's reads go to this
 * server, which forwards them to the REST API signed with this process's AWS credentials (a browser cannot
 * sign for AWS_IAM), and artifact downloads read the store (`--store s3://…`) directly.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../client';
import type { ArtifactStore } from '../store';
import { uiResponse } from '../ui';

/** Options of `startUiProxy`. */
export interface UiProxyOptions {
  /** Signs and sends the forwarded reads. */
  readonly client: ApiClient;
  /** Where downloads are read from. @default - downloads answer 404 naming --store */
  readonly store?: ArtifactStore;
  /** @default 8787 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default - none */
  readonly log?: (line: string) => void;
}

/** A listening UI proxy. */
export interface RunningUiProxy {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the UI proxy; resolves once it is listening. */
export async function startUiProxy(options: UiProxyOptions): Promise<RunningUiProxy> {
  const log = options.log ?? (() => {});
  const server = createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      const pathAndQuery = req.url ?? '/';
      const url = new URL(pathAndQuery, 'http://x');
      const reply = (statusCode: number, headers: Record<string, string>, body: string | Buffer) => {
        log(`${method} ${pathAndQuery} → ${statusCode}`);
        res.writeHead(statusCode, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      };
      const page = await uiResponse(method, url.pathname, Object.fromEntries(url.searchParams), options.store);
      if (page) return reply(page.statusCode, page.headers, page.body);
      if (method !== 'GET') {
        return reply(405, { 'content-type': 'application/json; charset=utf-8', allow: 'GET' }, `${JSON.stringify({ error: `This UI proxy only reads; start runs with 'pipewright trigger --api <url>'.` })}\n`);
      }
      const r = await options.client.request('GET', pathAndQuery);
      reply(r.statusCode, { 'content-type': 'application/json; charset=utf-8' }, `${JSON.stringify(r.body)}\n`);
    })().catch((err: Error) => {
      log(`error: ${err?.stack ?? err}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
      res.end(`${JSON.stringify({ error: err?.message ?? String(err) })}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

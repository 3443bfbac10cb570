/**
 * The browser boundary of `pipewright serve`: which requests a loopback server without TLS accepts.
 *
 * A web page in the user's browser can send a "simple" cross-origin POST (text/plain, a form) without a CORS
 * preflight, and DNS rebinding lets a page address the server under a foreign name. So: a request must name
 * this server in `Host` (its loopback address and port), carry no foreign `Origin`, and send JSON as
 * `application/json`, which no page can send cross-origin without a preflight this server never approves.
 */
import type { ApiResponse } from '../api';

/** What the guard checks a request against. */
export interface RequestGuardOptions {
  /** The bound port. */
  readonly port: number;
  /** The bound interface (e.g. `127.0.0.1`). */
  readonly host: string;
}

/** The subset of a request the guard reads. */
export interface GuardedRequest {
  readonly method: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
}

function errorJson(statusCode: number, error: string): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify({ error })}\n` };
}

/** The `host:port` forms that name this server. */
export function allowedHosts(opts: RequestGuardOptions): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', opts.host.includes(':') ? `[${opts.host}]` : opts.host]);
  return new Set([...names].map((n) => `${n}:${opts.port}`.toLowerCase()));
}

/** Checks a request; returns the error response to send, or undefined when it may proceed. */
export function guardRequest(req: GuardedRequest, opts: RequestGuardOptions): ApiResponse | undefined {
  const hosts = allowedHosts(opts);
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) {
    return errorJson(
      421,
      `Host ${JSON.stringify(req.headers.host ?? '')} does not name this server; send requests to http://127.0.0.1:${opts.port} (accepted: ${[...hosts].join(', ')}).`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== '') {
    let originHost: string | undefined;
    try {
      const u = new URL(origin);
      originHost = u.protocol === 'http:' ? u.host.toLowerCase() : undefined;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || !hosts.has(originHost)) {
      return errorJson(403, `Origin ${JSON.stringify(origin)} may not call this server: pipewright serve answers only its own origin and clients that send no Origin (the CLI, curl).`);
    }
  }
  // POST is the only method with a body that a page may send without a preflight; the others are 405 or bodiless.
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return errorJson(415, `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted; send the body as JSON with Content-Type: application/json.`);
    }
  }
  return undefined;
}

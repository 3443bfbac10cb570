/**
 * SigV4 for the trigger API: signing requests (CLI) and verifying them (`pipewright serve --auth sigv4`).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AwsCredentialIdentity, HttpRequest } from '@smithy/types';

/** The service name API Gateway's IAM authorization expects. */
export const EXECUTE_API = 'execute-api';

/** The signer and its hash, loaded on first use so that CLI commands which never sign start fast. */
async function loadSigner(): Promise<{ SignatureV4: typeof import('@smithy/signature-v4').SignatureV4; Sha256: typeof import('@aws-crypto/sha256-js').Sha256 }> {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
  return { SignatureV4, Sha256 };
}

/** Largest clock difference a signature may have (as AWS allows). */
const MAX_SKEW_MS = 15 * 60_000;

function toSmithyRequest(url: URL, method: string, headers: Record<string, string>, body: string | undefined): HttpRequest {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

/** What `signRequest` signs. */
export interface SignRequestInput {
  readonly url: string;
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default - no body */
  readonly body?: string;
  readonly credentials: AwsCredentialIdentity;
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
  /** @default - now */
  readonly signingDate?: Date;
}

/** Signs a request with SigV4; returns every header to send (host, x-amz-date, authorization, …). */
export async function signRequest(input: SignRequestInput): Promise<Record<string, string>> {
  const url = new URL(input.url);
  const { SignatureV4, Sha256 } = await loadSigner();
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: input.service ?? EXECUTE_API,
    sha256: Sha256,
  });
  const headers: Record<string, string> = { ...input.headers, host: url.host };
  const signed = await signer.sign(toSmithyRequest(url, input.method, headers, input.body), {
    ...(input.signingDate ? { signingDate: input.signingDate } : {}),
  });
  return signed.headers as Record<string, string>;
}

/** What `verifySigV4` checks. */
export interface VerifyInput {
  readonly method: string;
  /** Path and query string exactly as received (e.g. `req.url` of node:http). */
  readonly pathAndQuery: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** The credentials a server accepts signatures from. */
export interface VerifyOptions {
  readonly credentials: AwsCredentialIdentity;
  /** @default 'execute-api' */
  readonly service?: string;
  /** @default - now */
  readonly now?: Date;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

/**
 * Checks a request's SigV4 signature against the given credentials; returns why it is rejected, or
 * `undefined` when it is valid.
 */
export async function verifySigV4(input: VerifyInput, options: VerifyOptions): Promise<string | undefined> {
  const auth = input.headers.authorization;
  if (!auth) return 'The request is not signed: missing Authorization header (sign it with SigV4 for service execute-api).';
  const m = AUTH_RE.exec(auth);
  if (!m) return 'The Authorization header is not an AWS4-HMAC-SHA256 signature.';
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = m;
  const expectedService = options.service ?? EXECUTE_API;
  if (service !== expectedService) return `The signature is for service '${service}'; expected '${expectedService}'.`;
  if (accessKeyId !== options.credentials.accessKeyId) return `The access key ${accessKeyId} is not accepted by this server.`;
  const date = amzDate(input.headers['x-amz-date'] ?? '');
  if (!date) return 'Missing or malformed X-Amz-Date header.';
  if (date.toISOString().slice(0, 10).replace(/-/g, '') !== day) return 'The credential scope date does not match X-Amz-Date.';
  const now = options.now ?? new Date();
  if (Math.abs(now.getTime() - date.getTime()) > MAX_SKEW_MS) return 'The signature has expired (more than 15 minutes from the server clock).';
  const signedHeaders = signedHeaderList.split(';');
  const headers: Record<string, string> = {};
  for (const h of signedHeaders) {
    const v = input.headers[h];
    if (v === undefined) return `Signed header '${h}' is missing from the request.`;
    headers[h] = v;
  }
  // The signer trusts a signed X-Amz-Content-Sha256 header as the payload hash, so check it against the body.
  const declared = input.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== createHash('sha256').update(input.body, 'utf8').digest('hex')) {
    return 'The body does not match its X-Amz-Content-Sha256 header (the request was altered or the payload is unsigned).';
  }
  const host = input.headers.host ?? 'localhost';
  const url = new URL(`http://${host}${input.pathAndQuery}`);
  const { SignatureV4, Sha256 } = await loadSigner();
  const signer = new SignatureV4({ credentials: options.credentials, region, service, sha256: Sha256, applyChecksum: false });
  const recomputed = await signer.sign(toSmithyRequest(url, input.method, headers, input.body), {
    signingDate: date,
    signableHeaders: new Set(signedHeaders),
  });
  const got = /Signature=([0-9a-f]{64})/.exec(String(recomputed.headers.authorization ?? recomputed.headers.Authorization))?.[1] ?? '';
  const ok = got.length === signature.length && timingSafeEqual(Buffer.from(got), Buffer.from(signature));
  return ok ? undefined : 'The request signature does not match (check the secret key, region and that the request was not altered).';
}

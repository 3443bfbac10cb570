/**
 * A small client of the trigger API for the CLI: SigV4-signed requests with the default AWS credential chain.
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import { UsageError } from '../errors';
import { signRequest } from './sigv4';

/** Options of `ApiClient`. */
export interface ApiClientOptions {
  /** Base URL of the API, with the stage, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod` or `http://127.0.0.1:8787`. */
  readonly api: string;
  /** @default - `AWS_REGION`, `AWS_DEFAULT_REGION`, the region in an execute-api URL, else `us-east-1` for loopback */
  readonly region?: string;
  /** Credentials to sign with; `null` sends unsigned requests. @default - the default AWS credential chain */
  readonly credentials?: AwsCredentialIdentity | null;
  /** Receives notes for people (e.g. "sending unsigned"). @default - stderr */
  readonly note?: (message: string) => void;
}

/** A response of the API: status and parsed JSON body. */
export interface ApiClientResponse<T = Record<string, unknown>> {
  readonly statusCode: number;
  readonly body: T;
}

/** Whether a URL points at this machine. */
export function isLoopbackUrl(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The region of an `execute-api` URL (`<id>.execute-api.<region>.amazonaws.com`), if it is one. */
export function regionFromApiUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

/** A client of one trigger API. */
export class ApiClient {
  private readonly base: URL;
  private readonly region: string;
  private credentials?: Promise<AwsCredentialIdentity | null>;

  constructor(private readonly options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.api);
    } catch {
      throw new UsageError(`--api ${JSON.stringify(options.api)} is not a URL; expected e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod or http://127.0.0.1:8787`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new UsageError(`--api ${options.api} must be an http:// or https:// URL`);
    }
    this.base = base;
    const region =
      options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? regionFromApiUrl(base) ?? (isLoopbackUrl(base) ? 'us-east-1' : undefined);
    if (!region) throw new UsageError(`Cannot tell the AWS region of ${options.api}; pass --region (e.g. --region eu-west-1) or set AWS_REGION.`);
    this.region = region;
    if (options.credentials !== undefined) this.credentials = Promise.resolve(options.credentials);
  }

  private note(message: string): void {
    (this.options.note ?? ((m: string) => process.stderr.write(`note: ${m}\n`)))(message);
  }

  private resolveCredentials(): Promise<AwsCredentialIdentity | null> {
    if (this.credentials) return this.credentials;
    // Loaded on first use: most CLI invocations never sign anything.
    const chain = import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) => fromNodeProviderChain()());
    this.credentials = chain.catch((err: unknown) => {
      if (isLoopbackUrl(this.base)) {
        this.note(`no AWS credentials found; sending unsigned requests to ${this.base.origin} (loopback)`);
        return null;
      }
      throw new UsageError(
        `No AWS credentials found to sign requests to ${this.base.origin} (${(err as Error).message}); configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and retry.`,
      );
    });
    return this.credentials;
  }

  /** Sends one request; `path` starts with `/pipelines`. */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiClientResponse<T>> {
    const url = new URL(`${this.base.href.replace(/\/+$/, '')}${path}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { accept: 'application/json', ...(text !== undefined ? { 'content-type': 'application/json' } : {}) };
    const credentials = await this.resolveCredentials();
    if (credentials) {
      headers = await signRequest({ url: url.href, method, headers, body: text, credentials, region: this.region });
    }
    delete headers.host; // fetch sets it from the URL
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(text !== undefined ? { body: text } : {}) });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new Error(`Cannot reach the API at ${this.base.origin}: ${cause}`);
    }
    const raw = await res.text();
    let parsed: unknown;
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {
      parsed = { error: raw.slice(0, 500) };
    }
    return { statusCode: res.status, body: parsed as T };
  }
}

/**
 * SigV4 signing (CLI) and verification (`serve --auth sigv4`), and how the client finds its region.
 */
import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, regionFromApiUrl, signRequest, verifySigV4, type VerifyInput } from '../../lib/client';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const URL_ = 'http://127.0.0.1:8787/pipelines/iris/runs?x=1';
const BODY = '{"parameters":{"epochs":"500"}}';
const DATE = new Date('2026-11-27T08:00:00Z');

async function signed(body = BODY): Promise<VerifyInput> {
  const headers = await signRequest({ url: URL_, method: 'POST', headers: { 'content-type': 'application/json' }, body, credentials: CREDS, region: 'eu-west-1', signingDate: DATE });
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  return { method: 'POST', pathAndQuery: '/pipelines/iris/runs?x=1', headers: lower, body };
}

describe('signRequest / verifySigV4', () => {
  it('signs for execute-api with the host, date and payload hash', async () => {
    const req = await signed();
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261127\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers.host).toBe('127.0.0.1:8787');
    expect(req.headers['x-amz-date']).toBe('20261127T080000Z');
  });

  it('accepts a valid signature', async () => {
    expect(await verifySigV4(await signed(), { credentials: CREDS, now: DATE })).toBeUndefined();
  });

  it('rejects an altered body, path, method or header', async () => {
    const req = await signed();
    expect(await verifySigV4({ ...req, body: '{"parameters":{"epochs":"1"}}' }, { credentials: CREDS, now: DATE })).toMatch(/body does not match/);
    expect(await verifySigV4({ ...req, pathAndQuery: '/pipelines/other/runs?x=1' }, { credentials: CREDS, now: DATE })).toMatch(/signature does not match/);
    expect(await verifySigV4({ ...req, method: 'DELETE' }, { credentials: CREDS, now: DATE })).toMatch(/signature does not match/);
    expect(await verifySigV4({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } }, { credentials: CREDS, now: DATE })).toMatch(/signature does not match/);
  });

  it('rejects another secret, another access key, a stale date and a missing signature', async () => {
    const req = await signed();
    expect(await verifySigV4(req, { credentials: { ...CREDS, secretAccessKey: 'other' }, now: DATE })).toMatch(/signature does not match/);
    expect(await verifySigV4(req, { credentials: { ...CREDS, accessKeyId: 'AKIDOTHER' }, now: DATE })).toMatch(/AKIDEXAMPLE is not accepted/);
    expect(await verifySigV4(req, { credentials: CREDS, now: new Date(DATE.getTime() + 16 * 60_000) })).toMatch(/expired/);
    expect(await verifySigV4({ ...req, headers: { host: '127.0.0.1:8787' } }, { credentials: CREDS, now: DATE })).toMatch(/not signed/);
  });

  it('signs GET requests without a body', async () => {
    const headers = await signRequest({ url: 'http://127.0.0.1:8787/pipelines', method: 'GET', credentials: CREDS, region: 'us-east-1', signingDate: DATE });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(await verifySigV4({ method: 'GET', pathAndQuery: '/pipelines', headers: lower, body: '' }, { credentials: CREDS, now: DATE })).toBeUndefined();
  });
});

describe('client URL helpers', () => {
  it('reads the region of an execute-api URL', () => {
    expect(regionFromApiUrl(new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/v1'))).toBe('eu-west-1');
    expect(regionFromApiUrl(new URL('http://127.0.0.1:8787'))).toBeUndefined();
  });

  it('knows loopback URLs', () => {
    expect(isLoopbackUrl(new URL('http://127.0.0.1:8787'))).toBe(true);
    expect(isLoopbackUrl(new URL('http://localhost:1'))).toBe(true);
    expect(isLoopbackUrl(new URL('http://[::1]:1'))).toBe(true);
    expect(isLoopbackUrl(new URL('https://abc123.execute-api.eu-west-1.amazonaws.com'))).toBe(false);
  });
});

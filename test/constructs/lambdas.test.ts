/**
 * The Lambda entry files wrap the shared handlers: lookup reads the staged manifest from the store named by
 * PIPEWRIGHT_STORE (here the staging directory the deployment uploads), the API answers proxy events.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preparePipeline } from '../../lib/constructs';
import { resolveParameters } from '../../lib/spec';

const IRIS = join(import.meta.dirname, '../../examples/iris/pipeline.yaml');

describe('lambdas/lookup.ts', () => {
  it('decides a first step of the published manifest must run, and stores its job spec', async () => {
    const prepared = await preparePipeline(IRIS);
    process.env.PIPEWRIGHT_STORE = prepared.stagingDir;
    const { handler } = await import('../../lambdas/lookup');
    const result = await handler({
      s: 'prepare',
      i: {
        p: resolveParameters(prepared.ir, {}),
        n: false,
        m: prepared.manifestHash,
        x: 'arn:aws:states:eu-central-1:123456789012:execution:sm:run-1',
      },
    });
    expect(result).toMatchObject({ step: 'prepare', run: true, job: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });
});

describe('lambdas/api.ts', () => {
  it('answers an API Gateway proxy event (500 naming the variable when misconfigured)', async () => {
    delete process.env.PIPEWRIGHT_STORE;
    const { handler } = await import('../../lambdas/api');
    const res = await handler({ httpMethod: 'GET', path: '/pipelines', headers: {}, body: null } as never);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body).error).toMatch(/PIPEWRIGHT_STORE/);
  });
});

/**
 * `pipewright preflight` as a user runs it (the real CLI process, the real AWS SDK clients) against a loopback
 * MOCK of the account APIs (test/preflight/account-mock.ts): healthy and broken accounts, each problem said in
 * plain words with its fix.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockAccount, MockAccountApis } from './account-mock';

const BIN = resolve(import.meta.dirname, '../../bin/pipewright');
const HEALTHY: MockAccount = {
  bootstrapVersion: '29',
  toolkitStack: true,
  apiGatewayRoleArn: 'arn:aws:iam::123456789012:role/apigw-logs',
  images: ['pipewright-runner:0.1.0'],
  gpuQuotaVcpus: 64,
  gpuInstanceTypes: ['g5.xlarge', 'g6.xlarge'],
};

let mock: MockAccountApis;
beforeAll(async () => {
  mock = new MockAccountApis(HEALTHY);
  await mock.start();
});
afterAll(() => mock?.stop());

function preflight(...args: string[]): Promise<{ code: number | null; out: string }> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ENDPOINT_URL: mock.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return new Promise((done) => {
    const child = spawn(BIN, ['preflight', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

describe('pipewright preflight', () => {
  it('passes a ready account, calling each API once', async () => {
    mock.account = HEALTHY;
    mock.calls.length = 0;
    const r = await preflight();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/ok {3}bootstrap: CDK bootstrap version 29 in eu-west-1/);
    expect(r.out).toMatch(/nothing found that would stop a deploy/);
    expect([...mock.calls].sort()).toEqual(
      ['apigateway.GetAccount', 'ec2.DescribeInstanceTypeOfferings', 'ecr.DescribeImages', 'servicequotas.GetServiceQuota', 'ssm.GetParameter'].sort(),
    );
  }, 60_000);

  it('names every problem of a brand-new account, each with the command that fixes it', async () => {
    mock.account = { toolkitStack: false, images: [], gpuQuotaVcpus: 0, gpuInstanceTypes: [] };
    const r = await preflight('--no-api-gateway-role');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL bootstrap: eu-west-1 is not bootstrapped for the CDK .*\n {6}fix: npx cdk bootstrap aws:\/\//);
    expect(r.out).toMatch(/FAIL api-gateway-logging: API Gateway has no account CloudWatch role.*\n {6}fix: aws apigateway update-account/);
    expect(r.out).toMatch(/FAIL runner-image: no ECR repository pipewright-runner in eu-west-1.*\n {6}fix: aws ecr create-repository/);
    expect(r.out).toMatch(/FAIL gpu-quota: EC2 quota 'Running On-Demand G and VT instances' is 0 vCPUs.*\n {6}fix: aws service-quotas request-service-quota-increase .*--quota-code L-DB2E81BA/);
    expect(r.out).toMatch(/FAIL gpu-instance-types: eu-west-1 offers no g5 or g6 instance types/);
    expect(r.out).toMatch(/preflight: 5 problem\(s\) found/);
  }, 60_000);

  it('tells a missing tag from a missing repository, an old bootstrap from none, and checks the Spot quota with --gpu-spot', async () => {
    mock.account = { ...HEALTHY, bootstrapVersion: '5', images: ['pipewright-runner:0.0.9'] };
    mock.calls.length = 0;
    const r = await preflight('--gpu-spot', '--json');
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.out) as Array<{ check: string; ok: boolean; message: string }>;
    expect(findings.find((f) => f.check === 'bootstrap')).toMatchObject({ ok: false, message: expect.stringMatching(/is version 5; deploying needs 6 or later/) });
    expect(findings.find((f) => f.check === 'runner-image')).toMatchObject({ ok: false, message: expect.stringMatching(/has no image tagged 0\.1\.0/) });
    expect(findings.find((f) => f.check === 'gpu-quota')).toMatchObject({ ok: true, message: expect.stringMatching(/All G and VT Spot Instance Requests/) });
  }, 60_000);

  it('needs a region', async () => {
    const child = spawn(BIN, ['preflight'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise((done) => child.on('close', done));
    expect(code).toBe(2);
    expect(out).toMatch(/no region: pass --region/);
  }, 60_000);
});

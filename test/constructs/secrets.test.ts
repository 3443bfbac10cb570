/**
 * Issue 8 §6 in the cloud: a step's `secrets:` become the Batch step container's `secrets` (valueFrom), and the
 * job execution role may read exactly those secrets and parameters.
 *
 * AWS's rules (https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data-secrets.html and
 * …/specifying-sensitive-data-parameters.html): the container property is `secrets: [{name, valueFrom}]` with the
 * full ARN of the secret or parameter; the *execution role* needs `secretsmanager:GetSecretValue` on the secret
 * and `ssm:GetParameters` on the parameter. A Secrets Manager ARN ends in `-` plus six random characters; IAM
 * policies name a secret without them as `<name>-??????` (Secrets Manager user guide, "auth-and-access_examples").
 */
import { describe, expect, it } from 'vitest';
import { preparePipeline } from '../../lib/constructs';
import { makeIr } from '../compiler/fixtures';
import { asList, roleStatements, synthStack } from './support';

const SM_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:ml/token-AbC123';
const SM_NO_SUFFIX = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:db';
const KEY_A = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_B = 'arn:aws:kms:eu-central-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef';

async function synth() {
  const ir = makeIr([{ name: 'a', deps: [] }, { name: 'b', deps: ['a'] }], 'secrets');
  const withSecrets = {
    ...ir,
    steps: {
      ...ir.steps,
      a: { ...ir.steps.a, secrets: { API_TOKEN: SM_ARN, DB_PASSWORD: SM_NO_SUFFIX, HF_TOKEN: 'ssm:/ml/hf-token' } },
    },
  };
  return synthStack({ pipelines: [await preparePipeline(withSecrets)] }).template;
}

describe('secrets in the cloud', () => {
  it("puts them on the step container (valueFrom the full ARN), and not on the runner's containers", async () => {
    const template = await synth();
    const defs = Object.values(template.findResources('AWS::Batch::JobDefinition')).map(
      (r) => (r as { Properties: { EcsProperties: { TaskProperties: Array<{ Containers: Array<{ Name: string; Secrets?: unknown }> }> } } }).Properties,
    );
    const containers = defs.flatMap((d) => d.EcsProperties.TaskProperties[0].Containers);
    const withSecrets = containers.filter((c) => c.Secrets !== undefined);
    expect(withSecrets.map((c) => c.Name)).toEqual(['step']);
    const secrets = JSON.stringify(withSecrets[0].Secrets);
    expect(secrets).toContain(`{"Name":"API_TOKEN","ValueFrom":"${SM_ARN}"}`);
    expect(secrets).toContain(`{"Name":"DB_PASSWORD","ValueFrom":"${SM_NO_SUFFIX}"}`);
    expect(secrets).toMatch(/"Name":"HF_TOKEN","ValueFrom":\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":ssm:eu-central-1:123456789012:parameter\/ml\/hf-token"\]\]\}/);
  });

  it('lets the job execution role read exactly those, with the actions Batch documents', async () => {
    const template = await synth();
    const reads = roleStatements(template).filter(({ statement }) =>
      asList(statement.Action).some((a) => a === 'secretsmanager:GetSecretValue' || a === 'ssm:GetParameters'),
    );
    expect(new Set(reads.map((r) => r.role)).size).toBe(1);
    expect(reads[0].role).toMatch(/JobExecutionRole/);
    const sm = reads.find((r) => asList(r.statement.Action).includes('secretsmanager:GetSecretValue'))!.statement;
    expect(asList(sm.Resource).sort()).toEqual([`${SM_NO_SUFFIX}-??????`, SM_ARN].sort());
    const ssm = reads.find((r) => asList(r.statement.Action).includes('ssm:GetParameters'))!.statement;
    expect(JSON.stringify(ssm.Resource)).toContain(':ssm:eu-central-1:123456789012:parameter/ml/hf-token');
    expect(JSON.stringify(ssm.Resource)).not.toContain('*');
  });

  it('lets the job execution role decrypt with a declared KMS key only through Secrets Manager or SSM, in the region of its secrets', async () => {
    // GIVEN a Secrets Manager secret and a SecureString parameter encrypted with customer-managed keys
    const ir = makeIr([{ name: 'a', deps: [] }], 'kms');
    const kms = {
      ...ir,
      steps: {
        a: {
          ...ir.steps.a,
          secrets: { API_TOKEN: SM_ARN, HF_TOKEN: 'ssm:/ml/hf-token', PLAIN: 'ssm:/ml/plain' },
          secretKeys: { API_TOKEN: KEY_A, HF_TOKEN: KEY_B },
        },
      },
    };
    const template = synthStack({ pipelines: [await preparePipeline(kms)] }).template;
    // THEN kms:Decrypt on exactly those keys, each conditioned on kms:ViaService
    // (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service:
    // `<service>.<region>.amazonaws.com`), on the job execution role (Batch: "kms:Decrypt — required only if your
    // key uses a custom KMS key", the key's ARN as the resource)
    const decrypts = roleStatements(template).filter(({ statement }) => asList(statement.Action).includes('kms:Decrypt'));
    expect(decrypts.every((d) => /JobExecutionRole/.test(d.role))).toBe(true);
    expect(decrypts.map((d) => [d.statement.Resource, d.statement.Condition]).sort()).toEqual([
      [KEY_A, { StringEquals: { 'kms:ViaService': ['secretsmanager.eu-central-1.amazonaws.com'] } }],
      [KEY_B, { StringEquals: { 'kms:ViaService': ['ssm.eu-central-1.amazonaws.com'] } }],
    ]);
  });

  it('grants nothing for a pipeline without secrets', async () => {
    const ir = makeIr([{ name: 'a', deps: [] }], 'plain');
    const template = synthStack({ pipelines: [await preparePipeline(ir)] }).template;
    expect(JSON.stringify(template.toJSON())).not.toMatch(/GetSecretValue|ssm:GetParameters|kms:Decrypt/);
  });
});

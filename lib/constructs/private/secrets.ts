/**
 * A step's `secrets:` in AWS: the Batch container's `secrets` (`valueFrom`) and the least IAM for the job's
 * execution role to read them.
 *
 * Batch (through the ECS agent) reads each secret with the task's execution role: `secretsmanager:GetSecretValue`
 * for a Secrets Manager secret, `ssm:GetParameters` for a Parameter Store parameter, and `kms:Decrypt` on the
 * customer-managed KMS key of a secret encrypted with one ("Required only if your key uses a custom KMS key").
 * @see https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data.html
 * @see https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data-secrets.html
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** A Secrets Manager secret ARN ends in `-` and six random characters that its name does not choose. */
const SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** The full ARN a source names: an ARN as is, `ssm:<name>` as this stack's parameter ARN. */
export function secretArn(scope: Construct, source: string): string {
  if (source.startsWith('arn:')) return source;
  const name = source.slice('ssm:'.length).replace(/^\//, '');
  return Stack.of(scope).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/** The `secrets` of a job definition's step container (sorted by name), or undefined for none. */
export function containerSecrets(
  scope: Construct,
  secrets: Readonly<Record<string, string>> | undefined,
): batch.CfnJobDefinition.SecretProperty[] | undefined {
  if (!secrets || Object.keys(secrets).length === 0) return undefined;
  return Object.keys(secrets)
    .sort()
    .map((name) => ({ name, valueFrom: secretArn(scope, secrets[name]) }));
}

/**
 * Lets `role` decrypt with each customer-managed KMS key, only when Secrets Manager or SSM asks on its behalf
 * (`kms:ViaService` = `secretsmanager.<region>.amazonaws.com` or `ssm.<region>.amazonaws.com`, the region of the
 * secrets that key encrypts), so the key decrypts nothing else for it.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
export function grantSecretKeys(scope: Construct, role: iam.IGrantable, keyed: ReadonlyArray<{ readonly source: string; readonly kmsKey: string }>): void {
  const services = new Map<string, Set<string>>();
  for (const { source, kmsKey } of keyed) {
    // arn:<partition>:<service>:<region>:… (a token such as the stack's region holds no colon).
    const [, , service, region] = secretArn(scope, source).split(':');
    const via = `${service === 'secretsmanager' ? 'secretsmanager' : 'ssm'}.${region}.amazonaws.com`;
    if (!services.has(kmsKey)) services.set(kmsKey, new Set());
    services.get(kmsKey)!.add(via);
  }
  for (const key of [...services.keys()].sort()) {
    role.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key],
        conditions: { StringEquals: { 'kms:ViaService': [...services.get(key)!].sort() } },
      }),
    );
  }
}

/** Lets `role` read exactly the secrets and parameters `sources` name, and nothing else. */
export function grantSecretReads(scope: Construct, role: iam.IGrantable, sources: readonly string[]): void {
  const arns = [...new Set(sources.map((s) => secretArn(scope, s)))].sort();
  // A secret named without its random suffix matches only through the documented `-??????` wildcard.
  const secretsManager = arns.filter((a) => a.split(':')[2] === 'secretsmanager').map((a) => (SECRET_SUFFIX.test(a) ? a : `${a}-??????`));
  const ssm = arns.filter((a) => !a.startsWith('arn:') || a.split(':')[2] !== 'secretsmanager');
  if (secretsManager.length > 0) {
    role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretsManager }));
  }
  if (ssm.length > 0) {
    role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameters'], resources: ssm }));
  }
}

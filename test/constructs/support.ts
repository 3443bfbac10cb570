/**
 * Helpers of the construct tests: a fast app (no bundling, no built-in validation), template queries,
 * and the state machine definition with dummy ARNs substituted.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import aslValidator from 'asl-validator';
import { PipewrightStack, type PipewrightStackProps } from '../../lib/constructs';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';

/** An app for unit tests: Lambda bundling skipped, aws-cdk-lib's template validator off. */
export function fastApp(outdir?: string): App {
  return new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
    ...(outdir ? { outdir } : {}),
  });
}

/** A synthesized PipewrightStack and its template. */
export function synthStack(props: PipewrightStackProps, app: App = fastApp()): { stack: PipewrightStack; template: Template } {
  const stack = new PipewrightStack(app, 'Test', { env: { account: ACCOUNT, region: REGION }, ...props });
  return { stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;

/** A dummy, realistic value for a CloudFormation expression (Ref / GetAtt) in a substitution. */
function dummyValue(expr: unknown, resources: Json): string {
  if (typeof expr === 'string') return expr;
  const e = expr as Json;
  const id = (e.Ref as string | undefined) ?? (e['Fn::GetAtt'] as string[] | undefined)?.[0];
  if (!id) throw new Error(`unexpected substitution expression ${JSON.stringify(expr)}`);
  const resource = resources[id] as Json;
  const type = resource.Type as string;
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${((resource.Properties as Json).FunctionName as string) ?? `${id}-abcdefgh1234`}`;
    case 'AWS::Batch::JobQueue':
      return `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/${id}-abcdefgh1234`;
    case 'AWS::Batch::JobDefinition':
      return `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${id}-abcdefgh1234:1`;
    default:
      throw new Error(`unexpected substitution target ${id} (${type})`);
  }
}

/** Every state machine in a template, with its definition (raw and with dummy ARNs substituted). */
export function stateMachines(template: Template): Array<{
  id: string;
  raw: string;
  substitutions: Record<string, unknown>;
  substituted: string;
}> {
  const resources = template.toJSON().Resources as Json;
  return Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).map(([id, r]) => {
    const props = (r as Json).Properties as Json;
    const raw = props.DefinitionString as string;
    const substitutions = (props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    const substituted = raw.replace(/\$\{([A-Za-z0-9]+)\}/g, (m, name: string) =>
      name in substitutions ? JSON.stringify(dummyValue(substitutions[name], resources)).slice(1, -1) : m,
    );
    return { id, raw, substitutions, substituted };
  });
}

/** asl-validator's verdict on a definition. */
export function validateAsl(definition: unknown): { isValid: boolean; text: string } {
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return { isValid: result.isValid, text: result.isValid ? '' : result.errorsText('\n') };
}

/** Every IAM policy statement of the roles in a template, with the role's logical id. */
export function roleStatements(template: Template): Array<{ role: string; statement: Json }> {
  const out: Array<{ role: string; statement: Json }> = [];
  for (const r of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const props = (r as Json).Properties as Json;
    const roles = (props.Roles as Json[]).map((x) => x.Ref as string);
    for (const statement of (props.PolicyDocument as Json).Statement as Json[]) {
      for (const role of roles) out.push({ role, statement });
    }
  }
  return out;
}

/** A list of a statement's actions or resources. */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

export { Stack };

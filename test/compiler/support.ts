/** Helpers shared by the compiler tests: realistic placeholder values and ASL validation. */
import aslValidator from 'asl-validator';
import type { CompiledPipeline } from '../../lib/compiler/index';
import { renderDefinition, substitute } from '../../lib/compiler/index';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';

/** Deployment-like values for every placeholder of a compiled pipeline (as CDK would substitute them). */
export function realisticValues(compiled: CompiledPipeline): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of compiled.placeholders) {
    if (name === 'Manifest') values[name] = `sha256:${'ab'.repeat(32)}`;
    else if (name === 'LookupFunction') values[name] = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:pipewright-lookup`;
    else if (name.startsWith('Queue')) values[name] = `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/pw-${name.slice(5).toLowerCase()}`;
    else if (name.startsWith('JobDefinition')) values[name] = `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/pw-${name}:1`;
    else throw new Error(`realisticValues: unexpected placeholder ${name}`);
  }
  return values;
}

/** The definition with realistic values substituted, parsed. */
export function substituted(compiled: CompiledPipeline): unknown {
  return JSON.parse(substitute(renderDefinition(compiled), realisticValues(compiled)));
}

/** asl-validator's verdict on a definition (on a copy: the validator annotates what it is given). */
export function validate(definition: unknown): { isValid: boolean; text: string } {
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return { isValid: result.isValid, text: result.isValid ? '' : result.errorsText('\n') };
}

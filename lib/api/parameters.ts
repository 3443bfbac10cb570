/**
 * Parameter checks and schemas for the API, from declarations alone (the cloud registry has no full IR).
 */
import type { ParameterIR, PipelineIR } from '../ir';
import { parameterJsonSchema, resolveParameters, type ResolvedParameters } from '../spec';

// lib/spec reads only `name` and `parameters` of the IR for these two functions.
function asIr(name: string, parameters: Readonly<Record<string, ParameterIR>>): PipelineIR {
  return { name, parameters } as unknown as PipelineIR;
}

/**
 * Checks request values against the declarations and fills defaults; throws UsageError listing every problem.
 *
 * JSON values must have the declared type; a string is also accepted for a number, integer or boolean
 * parameter when it parses cleanly (`"300"`, `"0.5"`, `"true"`), which is what `pipewright trigger --param` sends.
 */
export function resolveApiParameters(
  pipeline: string,
  parameters: Readonly<Record<string, ParameterIR>>,
  given: Readonly<Record<string, unknown>>,
): ResolvedParameters {
  return resolveParameters(asIr(pipeline, parameters), given, { fromStrings: true });
}

/** The JSON Schema (draft-07) of a pipeline's parameters. */
export function parametersSchema(pipeline: string, parameters: Readonly<Record<string, ParameterIR>>): Record<string, unknown> {
  return parameterJsonSchema(asIr(pipeline, parameters));
}

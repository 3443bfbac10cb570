/**
 * Spec v1: YAML/JSON pipeline definitions → validated IR, parameter resolution and the JSON Schema.
 *
 * ```ts
 * import { loadPipeline, resolveParameters } from '../spec';
 * const ir = await loadPipeline('examples/iris/pipeline.yaml');
 * const params = resolveParameters(ir, { epochs: '500' }, { fromStrings: true });
 * ```
 */
export { loadPipeline, SPEC_EXTENSIONS, DSL_EXTENSIONS } from './load';
export { typeCheckModule, type TypeCheckResult } from './type-check';
export { parseSpec, type ParseSpecOptions } from './parse';
export { validateDefinition, type DefinitionSource } from './validate';
export {
  resolveParameters,
  parameterJsonSchema,
  parameterValueProblem,
  parseParameterString,
  hasParameterType,
  type ResolveParametersOptions,
  type ResolvedParameters,
} from './parameters';
export { pipelineJsonSchema, renderPipelineSchema, SCHEMA_ID } from './schema';
export { NAME_PATTERN, NAME_RULE, envSuffix, pascalCase, isValidName } from './names';
export { parseDuration, DURATION_SYNTAX, MIN_TIMEOUT_SECONDS } from './duration';
export { DEFAULT_IMAGE, BUILTIN_DEFAULTS, MAX_RETRIES, PIPELINE_FIELD } from './field-table';
export type { Field } from './field-description';
export {
  containerResources,
  computeSizeProblem,
  fargateResources,
  isFargateSize,
  FARGATE_SIZES,
  FARGATE_MAX_STEP,
  EC2_RUNNER_MEMORY,
  type ComputeRequest,
  type ContainerResources,
} from './compute-size';

/**
 * The environment of the step contract: `PW_INPUT_*`, `PW_OUTPUT_*`, `PW_PARAM_*` and friends.
 */
import { join } from 'node:path';
import { UsageError } from '../errors';
import { envSuffix, type ParameterValue } from '../ir';
import type { JobSpec } from '../protocol';
import type { StepDirLayout } from './layout';

export { envSuffix } from '../ir';

/** A parameter's string form for `PW_PARAM_*` (numbers as JSON writes them, booleans as `true`/`false`). */
export function paramString(value: ParameterValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The contract's variables for a job staged in `layout` (the step's own `env` included, contract names last).
 *
 * Throws when two names of one kind map to the same variable (e.g. inputs `a-b` and `a_b`).
 */
export function contractEnv(spec: JobSpec, layout: StepDirLayout): Record<string, string> {
  const env: Record<string, string> = { ...spec.env };
  const claim = (kind: string, names: readonly string[], prefix: string, value: (name: string) => string): void => {
    const seen = new Map<string, string>();
    for (const name of names) {
      const v = `${prefix}${envSuffix(name)}`;
      const other = seen.get(v);
      if (other !== undefined) {
        throw new UsageError(
          `Step '${spec.step}': ${kind} '${other}' and '${name}' both map to env ${v}; rename one so their upper-cased, ` +
            `'_'-for-punctuation forms differ.`,
        );
      }
      seen.set(v, name);
      env[v] = value(name);
    }
  };
  claim('inputs', Object.keys(spec.inputs).sort(), 'PW_INPUT_', (n) => join(layout.inputs, n));
  claim('outputs', spec.outputs, 'PW_OUTPUT_', (n) => join(layout.outputs, n));
  claim('parameters', Object.keys(spec.params).sort(), 'PW_PARAM_', (n) => paramString(spec.params[n]));
  env.PW_INPUTS = layout.inputs;
  env.PW_OUTPUTS = layout.outputs;
  env.PW_PARAMS = layout.params;
  env.PW_METRICS = layout.metrics;
  env.PW_STEP = spec.step;
  env.PW_RUN_ID = spec.runId;
  env.PW_PIPELINE = spec.pipeline;
  env.PW_GPUS = String(spec.gpus);
  return env;
}

/** The table of AWS Batch job definitions: one per distinct (image, compute, retries, timeout, queue kind, secrets). */
import { DefinitionError } from '../errors';
import type { PipelineIR } from '../ir';
import type { JobDefinitionSpec } from './types';

/** The job definitions a pipeline needs and which one each step uses. */
export interface JobDefinitionTable {
  /** Ids `JobDefinition0…`, numbered by first use in sorted step-name order. */
  readonly specs: readonly JobDefinitionSpec[];
  /** Step name → job definition id. */
  readonly byStep: Readonly<Record<string, string>>;
}

/** Assigns job definitions to the steps of a pipeline. */
export function jobDefinitionsOf(ir: PipelineIR): JobDefinitionTable {
  const specs: JobDefinitionSpec[] = [];
  const ids = new Map<string, string>();
  const byStep: Record<string, string> = {};
  for (const name of Object.keys(ir.steps).sort()) {
    const step = ir.steps[name];
    const queue = ir.queues[step.compute.queue];
    if (!queue) {
      throw new DefinitionError([
        {
          file: ir.source,
          path: `steps.${name}.compute.queue`,
          message: `unknown queue "${step.compute.queue}"; expected one of: ${Object.keys(ir.queues).sort().join(', ')}; declare the queue or fix the name`,
        },
      ]);
    }
    const spec = {
      image: step.image,
      vcpus: step.compute.vcpus,
      memory: step.compute.memory,
      gpus: step.compute.gpus,
      retries: step.retries,
      timeoutSeconds: step.timeoutSeconds,
      gpuQueue: queue.gpu,
      ...(step.secrets ? { secrets: step.secrets } : {}),
    };
    const identity = JSON.stringify(spec);
    let id = ids.get(identity);
    if (id === undefined) {
      id = `JobDefinition${specs.length}`;
      ids.set(identity, id);
      specs.push({ id, ...spec });
    }
    byStep[name] = id;
  }
  return { specs, byStep };
}

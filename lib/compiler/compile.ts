/** The compiler entry point: IR → ASL definition with placeholders + job-definition table. */
import { DefinitionError } from '../errors';
import type { PipelineIR } from '../ir/types';
import { buildDag } from './dag';
import { decompose } from './decompose';
import { emitDefinition } from './emit';
import { jobDefinitionsOf } from './job-definitions';
import { placeholdersIn, queuePlaceholder } from './placeholders';
import type { CompiledPipeline } from './types';

/**
 * Compiles a validated pipeline to a Step Functions definition.
 *
 * Deterministic: the same IR gives byte-identical output whatever the order of its steps and whatever
 * its descriptions say.
 */
export function compile(ir: PipelineIR): CompiledPipeline {
  const dag = buildDag(ir);
  const { tree } = decompose(dag);
  const jobs = jobDefinitionsOf(ir);
  checkQueuePlaceholders(ir);
  const definition = emitDefinition(dag, tree, (s) => ({
    queue: queuePlaceholder(ir.steps[s].compute.queue),
    jobDefinition: jobs.byStep[s],
  }));
  const lookup: Record<string, string> = {};
  const run: Record<string, string> = {};
  for (const s of dag.names) {
    lookup[s] = s;
    run[s] = `${s} run`;
  }
  const usedJobs = new Set(Object.values(jobs.byStep));
  return {
    definition,
    jobDefinitions: jobs.specs.filter((j) => usedJobs.has(j.id)),
    placeholders: placeholdersIn(JSON.stringify(definition)),
    stateNames: { lookup, run },
  };
}

/** Minified JSON of a compiled definition (what CDK and the local engine receive). */
export function renderDefinition(compiled: CompiledPipeline): string {
  return JSON.stringify(compiled.definition);
}

/** Throws when two queue names map to the same placeholder (e.g. `big-mem` and `big_mem`). */
function checkQueuePlaceholders(ir: PipelineIR): void {
  const seen = new Map<string, string>();
  for (const name of Object.keys(ir.queues).sort()) {
    const ph = queuePlaceholder(name);
    const other = seen.get(ph);
    if (other !== undefined) {
      throw new DefinitionError([
        {
          file: ir.source,
          path: `queues.${name}`,
          message: `queue "${name}" and queue "${other}" both become the placeholder \${${ph}}; expected distinct PascalCase forms; rename one`,
        },
      ]);
    }
    seen.set(ph, name);
  }
}

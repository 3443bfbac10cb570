/** The compiler entry point: IR → ASL definition with placeholders + job-definition table. */
import { DefinitionError } from '../errors';
import type { PipelineIR } from '../ir';
import { buildDag } from './dag';
import { decompose } from './decompose';
import { emitDefinition } from './emit';
import { jobDefinitionsOf } from './job-definitions';
import { placeholdersIn, queuePlaceholder } from './placeholders';
import { taskTimeoutSeconds } from './task-timeout';
import type { AslDefinition, AslState, CompiledPipeline } from './types';

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
    timeoutSeconds: taskTimeoutSeconds(ir.steps[s]),
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

/** The most characters Step Functions accepts in a state machine definition. */
export const DEFINITION_SIZE_LIMIT = 1_048_576;

/** Minified JSON of a compiled definition (what CDK and the local engine receive). */
export function renderDefinition(compiled: CompiledPipeline): string {
  return JSON.stringify(compiled.definition);
}

/** Number of states in a definition, counting those inside Parallel branches. */
export function countStates(definition: AslDefinition): number {
  const count = (states: Readonly<Record<string, AslState>>): number =>
    Object.values(states).reduce(
      (n, state) => n + 1 + (state.Type === 'Parallel' ? state.Branches.reduce((m, b) => m + count(b.States), 0) : 0),
      0,
    );
  return count(definition.States);
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

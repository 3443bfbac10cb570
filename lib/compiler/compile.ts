/** The compiler entry point: IR → ASL definition with placeholders + job-definition table. */
import { DefinitionError } from '../errors';
import type { PipelineIR } from '../ir';
import { choiceRule } from './condition';
import { buildDag } from './dag';
import { decompose } from './decompose';
import { emitDefinition } from './emit';
import { HISTORY_EVENT_QUOTA, worstCaseHistoryEvents } from './history';
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
  const finals = Object.values(ir.steps).filter((s) => s.final).map((s) => s.name);
  const { tree } = decompose(dag);
  const jobs = jobDefinitionsOf(ir);
  checkQueuePlaceholders(ir);
  const definition = emitDefinition(dag, tree, (s) => ({
    queue: queuePlaceholder(ir.steps[s].compute.queue),
    jobDefinition: jobs.byStep[s],
    foreach: ir.steps[s].foreach !== undefined,
    ...(ir.steps[s].when ? { when: choiceRule(ir.steps[s].when!.condition) } : {}),
    timeoutSeconds: taskTimeoutSeconds(ir.steps[s]),
  }), finals);
  checkHistory(ir, definition);
  const lookup: Record<string, string> = {};
  const run: Record<string, string> = {};
  const array: Record<string, string> = {};
  const gather: Record<string, string> = {};
  for (const s of [...dag.names, ...finals]) {
    lookup[s] = s;
    run[s] = `${s} run`;
    if (ir.steps[s].foreach) {
      array[s] = `${s} array`;
      gather[s] = `${s} gather`;
    }
  }
  const usedJobs = new Set(Object.values(jobs.byStep));
  return {
    definition,
    jobDefinitions: jobs.specs.filter((j) => usedJobs.has(j.id)),
    placeholders: placeholdersIn(JSON.stringify(definition)),
    stateNames: { lookup, run, array, gather },
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

/** Throws when a worst-case execution would exceed Step Functions' history quota, with the numbers. */
function checkHistory(ir: PipelineIR, definition: AslDefinition): void {
  const events = worstCaseHistoryEvents(definition);
  if (events <= HISTORY_EVENT_QUOTA) return;
  const steps = Object.keys(ir.steps).length;
  throw new DefinitionError([
    {
      file: ir.source,
      path: 'steps',
      message:
        `a worst-case run of these ${steps} steps records ${events.toLocaleString('en-US')} history events (about 13 per step, ` +
        `26 per foreach step whatever its item count), over Step Functions' hard quota of ${HISTORY_EVENT_QUOTA.toLocaleString('en-US')} ` +
        'per execution; split the pipeline into several pipelines, or turn groups of similar steps into one foreach step',
    },
  ]);
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

/**
 * `npm run bench:cloud`: what a deployed pipeline costs in Step Functions terms, measured offline.
 *
 * 1. State transitions (Standard workflows bill per transition) per executed and per reused step: the
 *    synthesized, substituted definition runs in the aws-local-stepfunctions interpreter with every Task
 *    overridden (lookup: all miss or all hit; Batch: succeed); see `transitions` for how states are counted.
 * 2. Definition bytes per step in the synthesized template, before and after substitution (the 1 MB limit
 *    applies to the substituted definition).
 * 3. Synth time for 10/100/1,000 steps: preparing (compile + manifest into the staging store) and CDK
 *    synthesis of the whole stack, with aws-cdk-lib's built-in validation off and Lambda bundling skipped
 *    (both are per-app constants: see test/constructs/synth.integration.test.ts for the full `cdk synth`).
 */
import '../lib/compat/promise-with-resolvers';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { StateMachine } from 'aws-local-stepfunctions';
import { preparePipeline } from '../lib/constructs';
import { executionInput } from '../lib/protocol';
import { HISTORY_EVENT_QUOTA, worstCaseHistoryEvents } from '../lib/compiler';
import { type FixtureStep, linearSteps, makeIr, randomSteps, wideSteps } from '../test/compiler/fixtures';
import { stateMachines, synthStack } from '../test/constructs/support';

const SHAPES: Record<string, (n: number) => FixtureStep[]> = {
  linear: linearSteps,
  wide: wideSteps,
  random: (n) => randomSteps(n, 2026),
};
const EXECUTION_ID = 'arn:aws:states:eu-central-1:123456789012:execution:sm:bench';

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Synthesizes one generated pipeline; returns its definitions and the time each phase took. */
async function synthesize(shape: string, n: number) {
  const t0 = performance.now();
  const prepared = await preparePipeline(makeIr(SHAPES[shape](n), `${shape}-${n}`));
  const t1 = performance.now();
  const { template } = synthStack({ pipelines: [prepared] });
  const t2 = performance.now();
  const [sm] = stateMachines(template);
  return { prepared, sm, prepareMs: t1 - t0, synthMs: t2 - t1 };
}

type AslStates = Record<string, { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: Array<{ Next: string }>; Branches?: Array<{ StartAt: string; States: AslStates }> }>;

/**
 * The states entered along the path an execution takes when every lookup hits (or misses), as Step Functions
 * bills them: step-owned states (`<s>`, `<s> reused?`, `<s> run`) and structural ones (Start, Parallel, Done, Failed).
 */
function walk(states: AslStates, at: string | undefined, hit: boolean, steps: ReadonlySet<string>, acc = { step: 0, structural: 0 }) {
  while (at !== undefined) {
    const state = states[at];
    const owner = at.endsWith(' reused?') ? at.slice(0, -8) : at.endsWith(' run') ? at.slice(0, -4) : at;
    if (steps.has(owner)) acc.step++;
    else acc.structural++;
    if (state.Type === 'Parallel') for (const b of state.Branches!) walk(b.States, b.StartAt, hit, steps, acc);
    if (state.Type === 'Choice') at = hit ? state.Default : state.Choices![0].Next;
    else at = state.End ? undefined : state.Next;
  }
  return acc;
}

/**
 * Runs a definition in the interpreter with every lookup hitting or missing, and counts state transitions.
 *
 * aws-local-stepfunctions 3.0's `eventLogs` drops the events of nested Parallel branches, so step states are
 * counted from the Task handlers the interpreter invoked (each lookup is followed by its Choice), and
 * structural states from the executed path; the two are cross-checked.
 */
async function transitions(definition: string, steps: readonly string[], hit: boolean) {
  let lookups = 0;
  let runs = 0;
  const handlers: Record<string, () => Promise<unknown>> = {};
  for (const s of steps) {
    const base = { step: s, key: `sha256:${'0'.repeat(64)}`, fail: `Step '${s}' failed` };
    handlers[s] = async () => {
      lookups++;
      return hit ? { ...base, run: false, outputs: {} } : { ...base, run: true, job: `sha256:${'1'.repeat(64)}` };
    };
    handlers[`${s} run`] = async () => {
      runs++;
      return { JobId: `job-${s}`, Status: 'SUCCEEDED' };
    };
  }
  const asl = JSON.parse(definition) as { StartAt: string; States: AslStates };
  const machine = new StateMachine(asl as never, { validationOptions: { noValidate: true } });
  const execution = machine.run(
    executionInput({}) as never,
    { context: { Execution: { Id: EXECUTION_ID } }, overrides: { taskResourceLocalHandlers: handlers as never } },
  );
  await execution.result;
  const stepStates = 2 * lookups + runs;
  const path = walk(asl.States, asl.StartAt, hit, new Set(steps));
  if (path.step !== stepStates || lookups !== steps.length) {
    throw new Error(`transition count mismatch: interpreter ${stepStates} (lookups ${lookups}), path ${path.step}`);
  }
  return { stepStates, structural: path.structural, total: stepStates + path.structural };
}

/**
 * A 1,000-item foreach step (`score`, between `split` and `merge`) run in the interpreter, all items missing
 * or one missing: the states entered, Lambda invocations and Batch SubmitJob calls, counted from the Task
 * handlers the interpreter invoked; beside the same counts for a Map state that runs one lookup and one
 * Batch job per item (Distributed Map adds a child execution per batch of items on top).
 */
async function foreachCosts(items: number) {
  const base = makeIr([
    { name: 'split', deps: [] },
    { name: 'score', deps: [] },
    { name: 'merge', deps: ['score'] },
  ]);
  const foreach = { source: { kind: 'step', step: 'split', output: 'out' }, batch: 1, tolerate: { kind: 'count', count: 0 }, maxConcurrency: 0 } as const;
  const ir = { ...base, name: 'foreach-1000', steps: { ...base.steps, score: { ...base.steps.score, foreach } } };
  const prepared = await preparePipeline(ir);
  const { template } = synthStack({ pipelines: [prepared] });
  const [sm] = stateMachines(template);
  const asl = JSON.parse(sm.substituted) as { StartAt: string; States: AslStates };
  const scoreStates = Object.entries(asl.States).filter(([name]) => name === 'score' || name.startsWith('score '));
  const scoreBytes = JSON.stringify(Object.fromEntries(scoreStates)).length;
  const rows: (string | number)[][] = [];
  // maxConcurrency M changes only the array size the plan returns (min(M, jobs)), not the counts.
  for (const [misses, maxConcurrency] of [[items, 0], [items, 50], [1, 0]]) {
    const jobs = maxConcurrency > 0 ? Math.min(maxConcurrency, misses) : misses;
    const entered: string[] = [];
    let lambda = 0;
    let submit = 0;
    let arraySize: number | string = '-';
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const lookup = (s: string, result: object) => async (): Promise<unknown> => {
      entered.push(s);
      lambda++;
      return { step: s, key: `sha256:${'0'.repeat(64)}`, fail: `Step '${s}' failed`, ...result };
    };
    handlers.split = lookup('split', { run: false });
    handlers.merge = lookup('merge', { run: false });
    handlers.score = lookup('score', { run: true, jobs, job: `sha256:${'1'.repeat(64)}`, t: 3600 });
    handlers['score gather'] = lookup('score gather', {});
    for (const t of ['score array', 'score run']) {
      handlers[t] = async (input) => {
        entered.push(t);
        submit++;
        arraySize = (input as { ArrayProperties?: { Size: number } }).ArrayProperties?.Size ?? 'plain job';
        return { Status: 'SUCCEEDED' };
      };
    }
    const machine = new StateMachine(asl as never, { validationOptions: { noValidate: true } });
    await machine.run(executionInput({}) as never, { context: { Execution: { Id: EXECUTION_ID } }, overrides: { taskResourceLocalHandlers: handlers as never } }).result;
    // States of the foreach step entered: its tasks (counted above) plus its two Choices.
    const states = entered.filter((e) => e.startsWith('score')).length + 2;
    const capped = maxConcurrency > 0 ? `, maxConcurrency ${maxConcurrency}` : '';
    rows.push([`Batch array (ours), ${misses === items ? 'all' : '1'} of ${items} missed${capped}`, states, (states / items).toFixed(4), lambda - 2, submit, arraySize]);
    if (maxConcurrency > 0) continue;
    // Map alternative: per item a lookup Task, a Choice and a Batch Task (3 states), plus the Map state and one lookup to list items.
    const perItem = misses === items ? 3 : 2;
    rows.push([
      `inline Map, one lookup + job per item, ${misses === items ? 'all' : '1'} of ${items} missed`,
      2 + perItem * items + (misses === items ? 0 : 1),
      ((2 + perItem * items) / items).toFixed(2),
      1 + items,
      misses,
      '-',
    ]);
  }
  return { rows, scoreBytes, history: worstCaseHistoryEvents(JSON.parse(sm.substituted)) };
}

async function main(): Promise<void> {
  console.log(`# bench:cloud — node ${process.version}, ${availableParallelism()} CPUs\n`);

  const transitionRows: (string | number)[][] = [];
  for (const shape of Object.keys(SHAPES)) {
    for (const n of [10, 100]) {
      const { prepared, sm } = await synthesize(shape, n);
      const steps = Object.keys(prepared.ir.steps);
      const miss = await transitions(sm.substituted, steps, false);
      const hit = await transitions(sm.substituted, steps, true);
      transitionRows.push([
        `${shape} ${n}`,
        (miss.stepStates / n).toFixed(2),
        (hit.stepStates / n).toFixed(2),
        `${miss.structural} / ${hit.structural}`,
        (miss.total / n).toFixed(2),
        (hit.total / n).toFixed(2),
      ]);
    }
  }
  console.log('## State transitions (states entered; targets: ≤ 3 per executed step, ≤ 2 per reused step)\n');
  console.log(
    table(
      ['pipeline', 'per executed step', 'per reused step', 'structural, miss / hit (Start, Parallel, Done)', 'all-miss total / steps', 'all-hit total / steps'],
      transitionRows,
    ),
  );

  const sizeRows: (string | number)[][] = [];
  const timeRows: (string | number)[][] = [];
  for (const n of [10, 100, 1000]) {
    for (const shape of Object.keys(SHAPES)) {
      // A pipeline over the 1 MB definition limit is refused by the construct: report it rather than stop.
      const synthesized = await synthesize(shape, n).catch((err: Error) => err);
      if (synthesized instanceof Error) {
        const size = /about (\d+) characters/.exec(synthesized.message)?.[1] ?? '?';
        sizeRows.push([`${shape} ${n}`, '-', `refused (~${size})`, size === '?' ? '-' : Math.round(Number(size) / n), size === '?' ? '-' : `${((100 * Number(size)) / 1_048_576).toFixed(1)} %`]);
        continue;
      }
      const { sm, prepareMs, synthMs } = synthesized;
      sizeRows.push([
        `${shape} ${n}`,
        sm.raw.length,
        sm.substituted.length,
        Math.round(sm.substituted.length / n),
        `${((100 * sm.substituted.length) / 1_048_576).toFixed(1)} %`,
      ]);
      timeRows.push([`${shape} ${n}`, Math.round(prepareMs), Math.round(synthMs), Math.round(prepareMs + synthMs)]);
    }
  }
  console.log('\n## Definition size after synthesis (template DefinitionString; substituted with the real names, dummy account)\n');
  console.log(table(['pipeline', 'bytes with placeholders', 'bytes substituted', 'bytes / step', 'of 1 MB limit'], sizeRows));
  const fe = await foreachCosts(1000);
  console.log('\n## A 1,000-item foreach step: Batch array job (what the compiler emits) vs a Map state (states entered and calls counted in the interpreter)\n');
  console.log(table(['foreach step', 'its states entered', 'per item', 'Lambda calls', 'Batch SubmitJob calls', 'array size'], fe.rows));
  console.log(
    `\nThe foreach step's states: ${fe.scoreBytes} bytes of definition whatever the item count; worst-case history events of ` +
      `the whole split → score → merge execution: ${fe.history} (quota ${HISTORY_EVENT_QUOTA}); per plain step 13, per foreach step 26, per item 0.`,
  );
  console.log('\n## Synth time (ms; built-in validation off, bundling skipped; one process, so later rows are warm)\n');
  console.log(table(['pipeline', 'prepare (compile + manifest)', 'CDK synth', 'total'], timeRows));
}

await main();

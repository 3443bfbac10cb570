/**
 * Property test: compiled pipelines executed by the real aws-local-stepfunctions interpreter, with
 * recording local handlers in place of the lookup function and AWS Batch (no AWS call is made).
 */
import '../../lib/compat/promise-with-resolvers';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { compile, STEP_FAILED_ERROR } from '../../lib/compiler';
import { dependenciesOf } from '../../lib/compiler/dag';
import type { PipelineIR } from '../../lib/ir/types';
import { makeIr, mulberry32, randomSteps } from './fixtures';
import { substituted } from './support';

type Handler = (input: unknown) => Promise<unknown>;

interface Recording {
  lookups: Map<string, number>;
  runs: Map<string, number>;
  misses: Set<string>;
  violations: string[];
}

const EXECUTION_ID = 'arn:aws:states:eu-central-1:123456789012:execution:sm:run-1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a compiled IR with handlers that decide hit/miss and delays from `seed`; `failing` steps' Batch jobs
 * throw; `validate` lets the interpreter validate the definition first.
 */
async function execute(ir: PipelineIR, seed: number, failing: ReadonlySet<string> = new Set(), validate = true) {
  const compiled = compile(ir);
  const deps = dependenciesOf(ir);
  const rand = mulberry32(seed);
  const plan = new Map(Object.keys(ir.steps).map((s) => [s, { hit: rand() < 0.4, delay: Math.floor(rand() * 3) }]));
  const completed = new Set<string>();
  const rec: Recording = { lookups: new Map(), runs: new Map(), misses: new Set(), violations: [] };
  const handlers: Record<string, Handler> = {};
  for (const step of Object.keys(ir.steps)) {
    const { hit, delay } = plan.get(step)!;
    handlers[compiled.stateNames.lookup[step]] = async (input) => {
      const request = input as { s: string; i: { m: string; x: string; p: object; n: boolean } };
      if (request.s !== step || request.i.x !== EXECUTION_ID || request.i.m !== `sha256:${'ab'.repeat(32)}`) {
        rec.violations.push(`${step} looked up with unexpected request ${JSON.stringify(request)}`);
      }
      rec.lookups.set(step, (rec.lookups.get(step) ?? 0) + 1);
      const waiting = deps[step].filter((d) => !completed.has(d));
      if (waiting.length > 0) rec.violations.push(`${step} looked up before ${waiting.join(', ')} completed`);
      await sleep(delay);
      const base = { step, key: `sha256:${step}`, fail: `Step '${step}' failed` };
      if (hit && !request.i.n) {
        completed.add(step);
        return { ...base, run: false, outputs: {} };
      }
      rec.misses.add(step);
      return { ...base, run: true, job: `sha256:job-${step}` };
    };
    handlers[compiled.stateNames.run[step]] = async (input) => {
      const job = input as { JobName: string; JobQueue: string; JobDefinition: string; Parameters: { job: string } };
      if (job.JobName !== step || job.Parameters.job !== `sha256:job-${step}` || !job.JobQueue.startsWith('arn:aws:batch:')) {
        rec.violations.push(`${step} submitted with unexpected parameters ${JSON.stringify(job)}`);
      }
      rec.runs.set(step, (rec.runs.get(step) ?? 0) + 1);
      if (!rec.misses.has(step)) rec.violations.push(`${step} ran without a lookup miss`);
      await sleep(delay);
      if (failing.has(step)) throw new Error(`job of ${step} exited with status 1`);
      completed.add(step);
      return { JobId: `job-${step}`, Status: 'SUCCEEDED' };
    };
  }
  // The interpreter validates a definition in ~1 s (asl-validator); compile.test.ts validates every shape.
  const validationOptions = validate ? { checkArn: false } : { noValidate: true };
  const machine = new StateMachine(substituted(compiled) as never, { validationOptions });
  const execution = machine.run(
    { p: {}, n: false },
    {
      context: { Execution: { Id: EXECUTION_ID } },
      overrides: { taskResourceLocalHandlers: handlers as never },
    },
  );
  return { result: execution.result, rec, plan };
}

describe('compiled ASL executed by aws-local-stepfunctions', () => {
  it('runs every lookup once, every missed step once, and nothing before its dependencies (30 seeded random DAGs)', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      // GIVEN a random DAG of 5-40 steps (narrow windows make most of them non-series-parallel)
      const size = 5 + Math.floor(mulberry32(seed * 7919)() * 36);
      const ir = makeIr(randomSteps(size, seed, 2 + (seed % 5)));
      // WHEN it runs with random cache hits and delays
      const { result, rec, plan } = await execute(ir, seed, new Set(), seed <= 3);
      await result;
      // THEN each step was looked up exactly once, ran exactly once iff it missed, never too early
      expect(rec.violations, `seed ${seed}`).toEqual([]);
      for (const [step, { hit }] of plan) {
        expect(rec.lookups.get(step), `seed ${seed} lookups of ${step}`).toBe(1);
        expect(rec.runs.get(step) ?? 0, `seed ${seed} runs of ${step}`).toBe(hit ? 0 : 1);
      }
    }
  });

  it('ends the execution with Pipewright.StepFailed and a cause naming the step when a Batch job fails', async () => {
    // GIVEN a diamond whose `left` job fails
    const ir = makeIr([
      { name: 'top', deps: [] },
      { name: 'left', deps: ['top'] },
      { name: 'right', deps: ['top'] },
      { name: 'bottom', deps: ['left', 'right'] },
    ]);
    // WHEN it runs with every lookup missing (seed chosen so `left` misses)
    const { result, rec, plan } = await execute(ir, 3, new Set(['left']));
    expect(plan.get('left')!.hit).toBe(false);
    // THEN the execution fails with the step's cause and `bottom` never starts
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutionError);
    const cause = (error as Error).cause as Error;
    expect(cause.name).toBe(STEP_FAILED_ERROR);
    expect(cause.message).toBe("Step 'left' failed");
    expect(rec.lookups.has('bottom')).toBe(false);
    expect(rec.violations).toEqual([]);
  });
});

/**
 * The finally-only entry, through the real interpreter, the real lookup handler and the real runner: the
 * execution an EventBridge rule starts for a stopped cloud execution (input `{"a": <its ARN>}`) runs only the
 * finally-steps, under the stopped run's id, told its status and its failed steps; and it never loops.
 */
import '../../lib/compat';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compile, renderDefinition, STOPPED_RUN_STATE, substitute } from '../../lib/compiler';
import { buildManifest } from '../../lib/manifest';
import { JOB_PARAMETER, runKey, stoppedRunFinallyKey, stoppedRunInput, type LookupRequest, type StepRunDocument, type StoppedRunFinally } from '../../lib/protocol';
import { createLookupHandler } from '../../lib/reuse';
import { runJob } from '../../lib/runner';
import { resolveParameters } from '../../lib/spec';
import { makeProject, type Project } from './support';

const PIPELINE = `
name: fin
parameters:
  mode: { type: string, default: ok }
steps:
  a:
    params: [mode]
    command: [sh, -c, 'case "$PW_PARAM_MODE" in fail) exit 3;; esac']
  b:
    command: [sh, -c, 'true']
finally:
  notify:
    params: [mode]
    command: [sh, -c, 'echo "$PW_RUN_STATUS [$PW_FAILED_STEPS] $PW_PARAM_MODE" > "$PW_OUTPUT_STATUS"']
    outputs: [status]
`;

const execution = (name: string): string => `arn:aws:states:eu-west-1:123456789012:execution:fin:${name}`;

let p: Project;
beforeEach(async () => {
  p = await makeProject('pw-finally-only-');
  await p.write('pipeline.yaml', PIPELINE);
});
afterEach(async () => {
  await p.cleanup();
});

/**
 * Runs the compiled state machine once with `input`, as Step Functions would: lookups through the shared
 * lookup handler (the Lambda's code), Batch tasks through the runner (the Batch job's code), and
 * `Stopped run` answering DescribeExecution with `stopped`. Returns the Task states it entered.
 */
async function execute(input: unknown, stopped: { Input: string; Status: string }): Promise<{ tasks: string[]; status: string }> {
  const ir = await p.load();
  const compiled = compile(ir);
  const { hash } = await buildManifest(ir, p.store);
  const values: Record<string, string> = {};
  for (const ph of compiled.placeholders) values[ph] = ph === 'Manifest' ? hash : `arn:aws:lambda:eu-west-1:123456789012:function:${ph}`;
  const definition = JSON.parse(substitute(renderDefinition(compiled), values)) as StateMachineDefinition;
  const lookup = createLookupHandler({ store: p.store });
  const tasks: string[] = [];
  const handlers: Record<string, (i: unknown) => Promise<unknown>> = {
    [STOPPED_RUN_STATE]: async () => {
      tasks.push(STOPPED_RUN_STATE);
      return stopped;
    },
  };
  for (const step of Object.keys(ir.steps)) {
    handlers[compiled.stateNames.lookup[step]] = (i) => {
      tasks.push(step);
      return lookup(i as LookupRequest);
    };
    handlers[compiled.stateNames.run[step]] = async (i) => {
      tasks.push(`${step} run`);
      await runJob({ store: p.store, job: (i as { Parameters: Record<string, never> }).Parameters[JOB_PARAMETER] });
      return {};
    };
  }
  const sm = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const run = sm.run(input as never, {
    context: { Execution: { Id: execution('finally-1'), Name: 'finally-1' } },
    overrides: { taskResourceLocalHandlers: handlers as never },
  });
  try {
    await run.result;
    return { tasks, status: 'SUCCEEDED' };
  } catch {
    return { tasks, status: 'FAILED' };
  }
}

async function statusOf(runId: string): Promise<string> {
  const doc = (await p.store.getJson<StepRunDocument>(runKey(runId, 'notify')))!;
  const dest = join(p.dir, `status-${Math.random()}`);
  await p.store.materialize(doc.outputs.status, dest);
  return readFile(dest, 'utf8');
}

describe('the finally-only entry', () => {
  it('runs only the finally-steps of a timed-out run, under its run id, told timed-out, its failed steps and its parameters', async () => {
    // GIVEN a run whose step a failed (its document is in the store, as the runner wrote it), then timed out
    const ir = await p.load();
    const { doc } = await p.run(ir, { parameters: resolveParameters(ir, { mode: 'fail' }) });
    const input = JSON.stringify({ p: { mode: 'fail' }, n: false });
    // WHEN the rule's execution reads it through DescribeExecution
    const r = await execute(stoppedRunInput(execution(doc.runId)), { Input: input, Status: 'TIMED_OUT' });
    // THEN only the finally-step runs, and the execution succeeds (the stopped one keeps the run's status)
    expect(r).toEqual({ tasks: [STOPPED_RUN_STATE, 'notify', 'notify run'], status: 'SUCCEEDED' });
    expect(await statusOf(doc.runId)).toBe('timed-out [a] fail\n');
    // AND the stopped run's view can say where its finally-steps ran
    expect(await p.store.getJson<StoppedRunFinally>(stoppedRunFinallyKey(doc.runId))).toMatchObject({ execution: execution('finally-1') });
  });

  it('tells an ABORTED run\'s finally-steps PW_RUN_STATUS=cancelled', async () => {
    const r = await execute(stoppedRunInput(execution('run-2')), { Input: JSON.stringify({ p: { mode: 'ok' }, n: false }), Status: 'ABORTED' });
    expect(r).toEqual({ tasks: [STOPPED_RUN_STATE, 'notify', 'notify run'], status: 'SUCCEEDED' });
    expect(await statusOf('run-2')).toBe('cancelled [] ok\n');
  });

  it('does nothing for a stopped finally-only execution (no loop) or an execution that was not stopped', async () => {
    const finallyOnly = JSON.stringify(stoppedRunInput(execution('run-3')));
    expect(await execute(stoppedRunInput(execution('finally-0')), { Input: finallyOnly, Status: 'ABORTED' })).toEqual({
      tasks: [STOPPED_RUN_STATE],
      status: 'SUCCEEDED',
    });
    const running = JSON.stringify({ p: { mode: 'ok' }, n: false });
    for (const Status of ['RUNNING', 'SUCCEEDED', 'FAILED']) {
      expect(await execute(stoppedRunInput(execution('run-4')), { Input: running, Status })).toEqual({ tasks: [STOPPED_RUN_STATE], status: 'SUCCEEDED' });
    }
  });

  it('leaves a normal run on its usual path (no DescribeExecution)', async () => {
    const r = await execute({ p: { mode: 'ok' }, n: false }, { Input: '', Status: '' });
    expect(r.tasks).not.toContain(STOPPED_RUN_STATE);
    expect(r.tasks).toEqual(expect.arrayContaining(['a', 'a run', 'b', 'b run', 'notify', 'notify run']));
  });
});

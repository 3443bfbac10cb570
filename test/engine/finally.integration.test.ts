/**
 * `finally:` end to end: the finally-steps run once after the DAG whether it succeeded, failed or was
 * cancelled, told the outcome; the run's status is the DAG's alone.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveParameters } from '../../lib/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRun } from '../../lib/engine';
import { stoppedRunFinallyKey, type StoppedRunFinally } from '../../lib/protocol';
import { compile } from '../../lib/compiler';
import { makeProject, statuses, type Project } from './support';
import { substituted, validate } from '../compiler/support';

const PIPELINE = `
name: fin
parameters:
  mode: { type: string, default: ok }
steps:
  a:
    params: [mode]
    command: [sh, -c, 'case "$PW_PARAM_MODE" in fail) exit 3;; slow) sleep 30;; esac']
  b:
    inputs: { x: { path: ./data.txt } }
    command: [sh, -c, 'true']
finally:
  notify:
    command: [sh, -c, 'echo "$PW_RUN_STATUS [$PW_FAILED_STEPS]" > "$PW_OUTPUT_STATUS"']
    outputs: [status]
  zbroken:
    command: [sh, -c, 'exit 1']
`;

let p: Project;
beforeEach(async () => {
  p = await makeProject('pw-finally-');
  await p.write('pipeline.yaml', PIPELINE);
  await p.write('data.txt', 'x\n');
});
afterEach(async () => {
  await p.cleanup();
});

async function statusText(ref: string | undefined): Promise<string> {
  const dest = join(p.dir, `status-${Math.random()}`);
  await p.store.materialize(ref as never, dest);
  return readFile(dest, 'utf8');
}

describe('finally', () => {
  it('runs after a successful DAG with PW_RUN_STATUS=succeeded; a failing finally-step leaves the run succeeded', async () => {
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    expect(statuses(doc)).toEqual({ a: 'ran', b: 'ran', notify: 'ran', zbroken: 'failed' });
    expect(doc.steps.zbroken).toMatchObject({ final: true, error: expect.stringMatching(/exit code 1/) });
    expect(await statusText(doc.steps.notify.outputs?.status)).toBe('succeeded []\n');
  });

  it('runs after a failed DAG with the failed steps in PW_FAILED_STEPS; the run stays failed', async () => {
    const { doc } = await p.run(await p.load(), { parameters: resolveParameters(await p.load(), { mode: 'fail' }) });
    expect(doc.status).toBe('failed');
    expect(doc.steps.a.status).toBe('failed');
    expect(await statusText(doc.steps.notify.outputs?.status)).toBe('failed [a]\n');
  });

  it('runs after a cancelled run with PW_RUN_STATUS=cancelled; the run stays cancelled', async () => {
    const ir = await p.load();
    const handle = startRun({
      pipeline: ir,
      store: p.store,
      parameters: resolveParameters(ir, { mode: 'slow' }),
      onEvent: (e) => {
        if (e.type === 'step-started' && e.step === 'a') setTimeout(() => handle.cancel(), 200);
      },
    });
    const doc = await handle.result;
    expect(doc.status).toBe('cancelled');
    expect(doc.steps.notify.status).toBe('ran');
    // the step the cancel killed is listed (its job ended without a record)
    expect(await statusText(doc.steps.notify.outputs?.status)).toBe('cancelled [a]\n');
    // through the finally-only entry, as in AWS: a second execution, which recorded itself for the run
    expect(await p.store.getJson<StoppedRunFinally>(stoppedRunFinallyKey(doc.runId))).toMatchObject({ execution: expect.stringMatching(/:fin:.*-finally$/) });
  });

  it('compiles to Main (catching the DAG\'s error), the finally-steps, and Finished? which re-raises it', async () => {
    const compiled = compile(await p.load());
    const s = compiled.definition.States;
    expect(s.Start).toMatchObject({ Next: 'Main' });
    expect(s.Main).toMatchObject({ Type: 'Parallel', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.f', Next: 'notify' }], Next: 'notify' });
    expect(s['notify run']).toMatchObject({ Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.c.e', Next: 'zbroken' }], Next: 'zbroken' });
    expect(s['Finished?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.a', IsPresent: true, Next: 'Run succeeded' },
        { Variable: '$.f', IsPresent: true, Next: 'Run failed' },
      ],
      Default: 'Run succeeded',
    });
    // A Fail state may take its error and cause from the state (ErrorPath, CausePath):
    // https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html
    expect(s['Run failed']).toEqual({ Type: 'Fail', ErrorPath: '$.f.Error', CausePath: '$.f.Cause' });
    expect(validate(substituted(compiled))).toEqual({ isValid: true, text: '' });
  });
});

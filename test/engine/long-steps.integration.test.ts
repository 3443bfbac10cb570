/**
 * Issue 8 §1: the step's own `timeout` governs a local step, not the interpreter's 60 s default Task timeout.
 *
 * aws-local-stepfunctions stops a Task after 60 s unless the state sets `TimeoutSeconds`; the compiler now
 * derives one from the step's timeout. One real step here outlives those 60 s (the suite's only such test);
 * the timeout-and-retry path runs with a 2 s timeout set on the IR (the spec's minimum is Batch's 60 s).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineIR } from '../../lib/ir/types';
import { makeProject, type Project } from './support';

let p: Project;

beforeEach(async () => {
  p = await makeProject('pw-long-');
});

afterEach(async () => {
  await p.cleanup();
});

describe('long steps', () => {
  it('a step that runs past 60 s, after a failed first attempt, is retried and succeeds', async () => {
    // GIVEN a step with the default 1 h timeout and one retry, whose first attempt fails and whose second
    // sleeps 62 s: the Batch task's handler runs for more than the interpreter's 60 s default
    await p.write(
      'pipeline.yaml',
      `
name: long
steps:
  slow:
    command: [sh, -c, 'if [ -e "$MARK" ]; then sleep 62; echo ok > "$PW_OUTPUT_O"; else touch "$MARK"; exit 3; fi']
    env: { MARK: ${JSON.stringify(`${p.dir}/attempted`)} }
    retries: 1
    outputs: [o]
`,
    );
    // WHEN it runs
    const { doc, events } = await p.run(await p.load());
    // THEN it ran, on its second attempt
    expect(doc.steps.slow.error).toBeUndefined();
    expect(doc.steps.slow.status).toBe('ran');
    expect(doc.status).toBe('succeeded');
    expect(events.filter((e) => e.type === 'step-started').length).toBe(2);
    expect(doc.steps.slow.durationMs).toBeGreaterThan(60_000);
  }, 150_000);

  it('a step that outlives its own timeout fails with "timed out after", after every declared attempt', async () => {
    // GIVEN a step that sleeps 30 s, with one retry and (set on the IR) a 2 s timeout
    await p.write(
      'pipeline.yaml',
      `
name: timeout
steps:
  slow:
    command: [sh, -c, 'sleep 30; echo ok > "$PW_OUTPUT_O"']
    retries: 1
    outputs: [o]
`,
    );
    const ir = await p.load();
    const short: PipelineIR = { ...ir, steps: { slow: { ...ir.steps.slow, timeoutSeconds: 2 } } };
    // WHEN it runs
    const t0 = Date.now();
    const { doc, events } = await p.run(short);
    // THEN both attempts timed out and the step failed, naming the timeout (not "skipped")
    expect(doc.steps.slow.status).toBe('failed');
    expect(doc.steps.slow.error).toMatch(/timed out after 2 s/);
    expect(events.filter((e) => e.type === 'step-retrying').map((e) => (e as { error: string }).error)).toEqual([
      expect.stringMatching(/timed out after 2 s/),
    ]);
    expect(doc.status).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(25_000);
  }, 60_000);
});

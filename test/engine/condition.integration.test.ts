/**
 * `when:` end to end: the lookup reads the upstream metric, the compiled Choice skips the step in the
 * real interpreter, and what needs its outputs is skipped too; skipping is not failure.
 */
import { resolveParameters } from '../../lib/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStepDocuments } from '../../lib/api/run-view';
import { stepResultOf } from '../../lib/protocol';
import { explainStep } from '../../lib/engine';
import { makeProject, statuses, type Project } from './support';

const PIPELINE = `
name: gate
parameters:
  min_accuracy: { type: number, default: 0.9 }
steps:
  evaluate:
    command: [sh, -c, 'echo "{\\"name\\":\\"accuracy\\",\\"value\\":0.95}" >> "$PW_METRICS"; echo report > "$PW_OUTPUT_REPORT"']
    outputs: [report]
    metrics: [accuracy, LOGGED]
  publish:
    when: "evaluate.metrics.accuracy >= params.min_accuracy"
    inputs: { report: evaluate.report }
    command: [sh, -c, 'cp "$PW_INPUT_REPORT" "$PW_OUTPUT_OUT"']
    outputs: [out]
  announce:
    inputs: { x: publish.out }
    command: [sh, -c, 'true']
  cleanup:
    after: [publish]
    command: [sh, -c, 'true']
`;

let p: Project;
beforeEach(async () => {
  p = await makeProject('pw-when-');
  await p.write('pipeline.yaml', PIPELINE.replace(', LOGGED', ''));
});
afterEach(async () => {
  await p.cleanup();
});

describe('when', () => {
  it('runs the step when the condition holds', async () => {
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    expect(statuses(doc)).toEqual({ evaluate: 'ran', publish: 'ran', announce: 'ran', cleanup: 'ran' });
  });

  it('skips the step and its consumers with reason "condition" when it is false; the run succeeds', async () => {
    // GIVEN a threshold above the logged accuracy
    const { doc } = await p.run(await p.load(), { parameters: resolveParameters(await p.load(), { min_accuracy: 0.99 }) });
    // THEN publish and announce (which needs publish's output) are skipped for the condition; cleanup (after only) runs
    expect(doc.status).toBe('succeeded');
    expect(statuses(doc)).toEqual({ evaluate: 'ran', publish: 'skipped', announce: 'skipped', cleanup: 'ran' });
    const condition = 'evaluate.metrics.accuracy >= params.min_accuracy';
    expect(doc.steps.publish).toEqual({ status: 'skipped', reason: 'condition', skippedBy: 'publish', condition });
    expect(doc.steps.announce).toEqual({ status: 'skipped', reason: 'condition', skippedBy: 'publish', condition });
    // AND the API's view and explain say so
    const docs = await readStepDocuments(p.store, doc.runId, ['publish', 'announce']);
    expect(stepResultOf(docs.announce)).toMatchObject({ status: 'skipped', reason: 'condition', skippedBy: 'publish', condition });
    expect((await explainStep(p.store, doc.runId, 'announce')).lines[0]).toMatch(/needs the outputs of step 'publish', whose condition .* was false \(not a failure\)/);
  });

  it('fails the run with a clear error when the metric the condition reads was never logged', async () => {
    await p.write('pipeline.yaml', PIPELINE.replace('accuracy >= params', 'LOGGED >= params'));
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('failed');
    expect(doc.steps.publish.error).toMatch(/reads evaluate\.metrics\.LOGGED, but step 'evaluate' logged no metric 'LOGGED' \(it logged: accuracy\)/);
  });
});

/**
 * Progress output: plain lines without control characters off a terminal, a redrawn live view on one.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatDuration, formatSummary, type EngineEvent, type RunDocument } from '../../lib/engine';

const DOC: RunDocument = {
  runId: '20261127-081501-123abc',
  pipeline: 'iris',
  status: 'failed',
  parameters: { epochs: 300 },
  startedAt: '2026-11-27T08:15:01.123Z',
  durationMs: 2400,
  steps: {
    prepare: { status: 'reused', cacheKey: 'sha256:aa', savedMs: 1500, outputs: {} },
    train: { status: 'ran', cacheKey: 'sha256:bb', durationMs: 640, outputs: {}, metrics: { loss: 0.08 } },
    evaluate: { status: 'failed', cacheKey: 'sha256:cc', error: "Step 'evaluate' failed: exit code 1" },
    register: { status: 'skipped' },
  },
  store: '/tmp/.pipewright',
  manifest: 'sha256:dd',
};

const EVENTS: EngineEvent[] = [
  { type: 'run-started', runId: DOC.runId, pipeline: 'iris', steps: ['prepare', 'train', 'evaluate', 'register'] },
  { type: 'step-checking', step: 'prepare' },
  { type: 'step-finished', step: 'prepare', result: DOC.steps.prepare },
  { type: 'step-queued', step: 'train' },
  { type: 'step-started', step: 'train', attempt: 1 },
  { type: 'step-output', step: 'train', stream: 'stdout', text: 'epoch 1\nepoch 2\n\u001b[31mred\u001b[0m' },
  { type: 'step-finished', step: 'train', result: DOC.steps.train },
  { type: 'warning', message: 'something odd' },
  { type: 'step-started', step: 'evaluate', attempt: 1 },
  { type: 'step-retrying', step: 'evaluate', attempt: 1, error: 'exit code 1' },
  { type: 'step-finished', step: 'evaluate', result: DOC.steps.evaluate },
  { type: 'step-finished', step: 'register', result: DOC.steps.register },
  { type: 'run-finished', document: DOC },
];

function capture(live: boolean, verbose: boolean): string {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  const r = createProgressReporter({ stream, live, verbose });
  for (const e of EVENTS) r.onEvent(e);
  r.close();
  return text;
}

describe('plain progress', () => {
  it('writes one line per event and no control characters', () => {
    const text = capture(false, true);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toMatch(/prepare: reused \(saved 1\.5 s\)/);
    expect(text).toMatch(/train: started/);
    expect(text).toMatch(/train \| epoch 1\n.*train \| epoch 2\n/);
    expect(text).toMatch(/train \| \[31mred\[0m/);
    expect(text).toMatch(/train: ran in 640 ms/);
    expect(text).toMatch(/evaluate: attempt 1 failed \(exit code 1\); retrying/);
    expect(text).toMatch(/evaluate: failed: Step 'evaluate' failed/);
    expect(text).toMatch(/register: skipped/);
    expect(text).toMatch(/warning: something odd/);
  });

  it('leaves step output out unless verbose', () => {
    expect(capture(false, false)).not.toMatch(/epoch 1/);
  });
});

describe('live progress', () => {
  it('redraws one line per step with ANSI control sequences and ends with the summary', () => {
    const text = capture(true, false);
    expect(text).toContain('\u001b[');
    expect(text).toMatch(/↺ prepare .*reused \(saved 1\.5 s\)/);
    expect(text).toMatch(/✓ train +\d+ ms  ran\n/);
    expect(text).toMatch(/4\/4 steps/);
    expect(text.trimEnd().split('\n').slice(-2)[0]).toMatch(/1 ran, 1 reused, 1 failed, 1 skipped; reuse saved 1\.5 s$/);
  });
});

describe('summary', () => {
  it('counts steps by status, gives the wall time and the time reuse saved, and names failures', () => {
    expect(formatSummary(DOC)).toBe(
      [
        'run 20261127-081501-123abc failed in 2.4 s: 1 ran, 1 reused, 1 failed, 1 skipped; reuse saved 1.5 s',
        "  evaluate failed: Step 'evaluate' failed: exit code 1",
      ].join('\n'),
    );
  });

  it('formats durations for people', () => {
    expect(formatDuration(640)).toBe('640 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(185_000)).toBe('3m 05s');
  });
});

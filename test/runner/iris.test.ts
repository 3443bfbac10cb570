import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParameterValue } from '../../lib/ir/types';
import { buildManifest } from '../../lib/manifest';
import { createLookupHandler } from '../../lib/reuse';
import { runJob } from '../../lib/runner';
import type { Hash } from '../../lib/store/types';
import { type Sandbox, sandbox } from '../reuse/fixtures';
import { IRIS, irisIR } from './iris-fixture';
import { readStepRecord, type StepRecord } from '../../lib/protocol';

const DEFAULTS = { learning_rate: 0.5, epochs: 300, min_accuracy: 0.9, split: 'stratified' };

let sb: Sandbox;
beforeAll(async () => {
  sb = await sandbox();
});
afterAll(async () => sb.cleanup());

/** Runs the steps in order as the state machine would: lookup, then the job on a miss. */
async function execute(runId: string, p: Record<string, ParameterValue>, raw?: string) {
  const { hash } = await buildManifest(irisIR(raw), sb.store);
  const lookup = createLookupHandler({ store: sb.store });
  const out: Record<string, { ran: boolean; record?: StepRecord; error?: Error }> = {};
  for (const name of ['prepare', 'train', 'evaluate', 'register']) {
    const r = await lookup({ s: name, i: { p, n: false, m: hash, x: `exec:${runId}` } });
    if (!r.run) {
      out[name] = { ran: false, record: await readStepRecord(sb.store, r.key) };
      continue;
    }
    try {
      out[name] = { ran: true, record: await runJob({ store: sb.store, job: r.job!, workRoot: sb.dir }) };
    } catch (err) {
      out[name] = { ran: true, error: err as Error };
      break;
    }
  }
  return out;
}

const text = async (h: string): Promise<string> => (await sb.store.getBytes(h as Hash)).toString();

describe('examples/iris steps through the runner', () => {
  it('prepare → train → evaluate → register: a model with accuracy ≥ 0.9 is registered', async () => {
    const r = await execute('first', DEFAULTS);
    for (const s of ['prepare', 'train', 'evaluate', 'register']) {
      expect(r[s].error).toBeUndefined();
      expect(r[s].ran).toBe(true);
    }

    const train = JSON.parse(await text(r.prepare.record!.outputs.train));
    const test = JSON.parse(await text(r.prepare.record!.outputs.test));
    expect(train.x).toHaveLength(105);
    expect(test.x).toHaveLength(45);
    expect([0, 1, 2].map((k) => test.y.filter((y: number) => y === k).length)).toEqual([15, 15, 15]); // stratified

    const losses = r.train.record!.metrics.filter((m) => m.name === 'loss');
    expect(losses.length).toBeGreaterThan(5);
    expect(losses[losses.length - 1].value).toBeLessThan(losses[0].value);
    expect(r.train.record!.metrics.find((m) => m.name === 'train_accuracy')!.value).toBeGreaterThan(0.9);

    const accuracy = r.evaluate.record!.metrics.find((m) => m.name === 'accuracy')!.value;
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.evaluate.record!.metrics.filter((m) => m.name.startsWith('confusion.'))).toHaveLength(9);
    const report = JSON.parse(await text(r.evaluate.record!.outputs.report));
    expect(report.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(45);

    const registered = JSON.parse(await text(r.register.record!.outputs.registered));
    expect(registered).toMatchObject({ name: 'iris-softmax', accuracy, minAccuracy: 0.9 });
  });

  it('reuses prepare, train and evaluate, and fails register when accuracy is below min_accuracy', async () => {
    const r = await execute('strict', { ...DEFAULTS, min_accuracy: 0.999 });
    expect([r.prepare.ran, r.train.ran, r.evaluate.ran]).toEqual([false, false, false]);
    expect(r.register.ran).toBe(true);
    expect(r.register.error?.message).toMatch(/register: accuracy 0\.\d{4} is below min_accuracy 0\.999; the model was not registered/);
  });

  it('fails prepare with the file and line of a malformed CSV row', async () => {
    await sb.write({ 'bad/iris.csv': (await readFile(join(IRIS, 'data/iris.csv'), 'utf8')).replace('4.7,3.2,1.3,0.2,setosa', '4.7,3.2,1.3,0.2,daisy') });
    const r = await execute('bad', DEFAULTS, join(sb.dir, 'bad/iris.csv'));
    expect(r.prepare.error?.message).toMatch(/input 'raw' \(the Iris CSV\), line 4: species "daisy" is unknown; expected one of setosa, versicolor, virginica/);
  });
});

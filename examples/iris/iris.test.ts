/**
 * The main job (issue 3 §8): the iris example through the local engine, with real Node subprocesses.
 *
 * First run: all four steps run. Second run: all four reused. Editing train's code: train, evaluate and
 * register re-run; prepare is reused.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRun, type RunDocument } from '../../lib/engine';
import { loadPipeline, resolveParameters } from '../../lib/spec';
import { createFsStore } from '../../lib/store';
import type { Hash } from '../../lib/store/types';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-iris-'));
  await cp(__dirname, dir, { recursive: true, filter: (src) => !src.endsWith('.test.ts') && !src.includes('.pipewright') });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(parameters: Record<string, number> = {}): Promise<RunDocument> {
  const store = createFsStore(join(dir, '.pipewright'));
  const pipeline = await loadPipeline(join(dir, 'pipeline.yaml'));
  return startRun({ pipeline, store, parameters: resolveParameters(pipeline, parameters) }).result;
}

function statuses(doc: RunDocument): Record<string, string> {
  return Object.fromEntries(Object.entries(doc.steps).map(([k, v]) => [k, v.status]));
}

it('runs iris, reuses all of it, and re-runs only train and its dependents after train changes', async () => {
  const first = await run();
  expect(first.status, JSON.stringify(first, null, 2)).toBe('succeeded');
  expect(statuses(first)).toEqual({ prepare: 'ran', train: 'ran', evaluate: 'ran', register: 'ran' });
  expect(first.steps.train.metrics?.loss).toBeTypeOf('number');
  expect(first.steps.evaluate.metrics?.accuracy).toBeGreaterThanOrEqual(0.9);
  const store = createFsStore(join(dir, '.pipewright'));
  expect(JSON.parse((await store.getBytes(first.steps.evaluate.outputs!.report as Hash)).toString())).toBeTypeOf('object');

  const second = await run();
  expect(statuses(second)).toEqual({ prepare: 'reused', train: 'reused', evaluate: 'reused', register: 'reused' });

  const train = (await loadPipeline(join(dir, 'pipeline.yaml'))).steps.train;
  const trainFile = join(train.code!, train.command[train.command.length - 1]);
  // A real tuning edit (L2 weight decay), so the model and therefore evaluate's and register's inputs change.
  const update = '(lr * grad[c][j]) / n;';
  const code = await readFile(trainFile, 'utf8');
  expect(code).toContain(update);
  await writeFile(trainFile, code.replace(update, '(lr * grad[c][j]) / n + lr * 1e-3 * w[c][j];'));
  const third = await run();
  expect(statuses(third)).toEqual({ prepare: 'reused', train: 'ran', evaluate: 'ran', register: 'ran' });

  // An unreachable bar: only register runs again, and it fails saying why.
  const strict = await run({ min_accuracy: 1.01 });
  expect(strict.status).toBe('failed');
  expect(statuses(strict)).toEqual({ prepare: 'reused', train: 'reused', evaluate: 'reused', register: 'failed' });
  expect(strict.steps.register.error).toMatch(/accuracy/);
});

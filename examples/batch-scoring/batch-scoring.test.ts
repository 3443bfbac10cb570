/**
 * The batch-scoring example through the local engine, with real Node subprocesses per partition: a run
 * scores every partition; after one partition changes, exactly that partition and what follows re-run.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compile } from '../../lib/compiler';
import { startRun, type EngineEvent, type RunDocument } from '../../lib/engine';
import { loadPipeline, resolveParameters } from '../../lib/spec';
import { createFsStore } from '../../lib/store';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-batch-scoring-'));
  await cp(__dirname, dir, { recursive: true, filter: (src) => !src.endsWith('.test.ts') && !src.includes('.pipewright') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(parameters: Record<string, number> = {}): Promise<{ doc: RunDocument; ran: string[] }> {
  const ran: string[] = [];
  const onEvent = (e: EngineEvent): void => {
    if (e.type === 'item-finished' && e.status === 'ran') ran.push(e.item);
  };
  const store = createFsStore(join(dir, '.pipewright'));
  const ir = await loadPipeline(join(dir, 'pipeline.yaml'));
  const doc = await startRun({ pipeline: ir, store, parameters: resolveParameters(ir, parameters), onEvent }).result;
  return { doc, ran: ran.sort() };
}

it('scores 12 run-time partitions, merges them and publishes; a 13th partition re-runs only itself and what follows', async () => {
  // GIVEN the example  WHEN it runs
  const first = await run();
  // THEN every partition was scored, merged and published; the finally-step reported
  expect(first.doc.status).toBe('succeeded');
  expect(first.doc.steps.score.items).toEqual({ total: 12, ran: 12, reused: 0, failed: 0 });
  expect(first.doc.steps.merge.metrics).toMatchObject({ rows: 2400, missing_partitions: 0 });
  expect(first.doc.steps.publish.status).toBe('ran');
  expect(first.doc.steps.report).toMatchObject({ status: 'ran', final: true });

  // WHEN one more partition is asked for (the seeded generator writes the same first 12)
  const second = await run({ partitions: 13 });
  // THEN only the new partition is scored; merge and publish re-run on the new gathered scores
  expect(second.ran).toEqual(['part-012.csv']);
  expect(second.doc.steps.score.items).toEqual({ total: 13, ran: 1, reused: 12, failed: 0 });
  expect(second.doc.steps.merge.status).toBe('ran');

  // WHEN the publish threshold cannot be met  THEN publish is skipped for its condition and the run succeeds
  const strict = await run({ partitions: 13, max_flagged_rate: 0 });
  expect(strict.doc.status).toBe('succeeded');
  expect(strict.doc.steps.publish).toMatchObject({ status: 'skipped', reason: 'condition' });
});

it('the DSL twin (pipeline.ts) compiles to the same state machine as pipeline.yaml', async () => {
  const yaml = compile(await loadPipeline(join(__dirname, 'pipeline.yaml')));
  const dsl = compile(await loadPipeline(join(__dirname, 'pipeline.ts')));
  expect(JSON.stringify(dsl.definition)).toBe(JSON.stringify(yaml.definition));
  expect(dsl.jobDefinitions).toEqual(yaml.jobDefinitions);
});

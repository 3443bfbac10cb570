/**
 * A store written before the run protocol moved to lib/protocol is reused after it: same cache keys,
 * same record and run-document layout.
 *
 * `fixtures/compat/store` was written by `pipewright run pipeline.yaml` at commit eb98f0b (a frozen copy of
 * examples/iris); the keys below are the ones that run recorded. The step code and data are not kept as
 * files: the test restores them from the store itself, so they stay byte-identical to what was hashed.
 */
import { copyFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRun } from '../../lib/engine';
import { createFsStore, loadPipeline, startRun } from '../../lib/index';

const FIXTURE = join(__dirname, 'fixtures', 'compat');
const OLD_RUN = '20261130-181517-212614';
const OLD_KEYS = {
  prepare: 'sha256:2b66426729997fe5016c4481f0f651fac6c32661bb8c219e21ad458e96b4853f',
  train: 'sha256:c30518f100b08d70a9d4147a15b14b17cafeacb532ec0b418a761bf409bbc345',
  evaluate: 'sha256:4a2841601093a2507d8a666499fd671853767ce65387c71e91bf8295394ff8c1',
  register: 'sha256:ca3d23295d64cd1b82071450b4d0ea97c85ccbfbc83b9854576ffe21e0d043dc',
};

describe('a store written by the previous protocol code', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is reused step for step, under the same cache keys', async () => {
    // GIVEN a copy of the old store, and the pipeline's code and data restored from it
    dir = await mkdtemp(join(tmpdir(), 'pw-compat-'));
    await cp(join(FIXTURE, 'store'), join(dir, 'store'), { recursive: true });
    const store = createFsStore(join(dir, 'store'));
    for (const [step, key] of Object.entries(OLD_KEYS)) {
      const record = JSON.parse(await readFile(join(dir, 'store', 'records', `${key.slice('sha256:'.length)}.json`), 'utf8'));
      await store.materialize(record.keyDocument.code, join(dir, 'steps', step));
      if (step === 'prepare') await store.materialize(record.keyDocument.inputs.raw, join(dir, 'data', 'iris.csv'));
    }
    await copyFile(join(FIXTURE, 'pipeline.yaml'), join(dir, 'pipeline.yaml'));
    // WHEN the same pipeline runs against it
    const ir = await loadPipeline(join(dir, 'pipeline.yaml'));
    const doc = await startRun({ pipeline: ir, store, gpus: [] }).result;
    // THEN every step is reused under its old key
    expect(doc.status).toBe('succeeded');
    for (const [step, key] of Object.entries(OLD_KEYS)) {
      expect(doc.steps[step], step).toMatchObject({ status: 'reused', cacheKey: key });
    }
    // AND the old run document still reads
    const old = await loadRun(store, OLD_RUN);
    expect(old.status).toBe('succeeded');
    expect(Object.keys(old.steps).sort()).toEqual(Object.keys(OLD_KEYS).sort());
  });
});

/**
 * The engine validates each distinct compiled definition once (in a worker), with the interpreter's validator.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareStateMachine } from '../../lib/engine/state-machine';
import { createFsStore } from '../../lib/store';
import type { ArtifactStore } from '../../lib/store/types';

let dir: string;
let store: ArtifactStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-sm-'));
  store = createFsStore(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VALID = {
  StartAt: 'Start',
  States: { Start: { Type: 'Pass', Parameters: { 'p.$': '$.p', unique: `${Math.random()}` }, Next: 'Done' }, Done: { Type: 'Succeed' } },
};

describe('prepareStateMachine', () => {
  it('validates a new definition, runs it, and remembers it in the store', async () => {
    const { stateMachine, validation } = await prepareStateMachine(VALID as never, store);
    await expect(validation).resolves.toBeUndefined();
    expect(await stateMachine.run({ p: 1 }).result).toEqual({ p: 1, unique: VALID.States.Start.Parameters.unique });
    expect((await store.list('engine/asl-validated/')).length).toBe(1);
  });

  it('rejects an invalid definition with the validator’s message, and does not remember it', async () => {
    const bad = { StartAt: 'Start', States: { Start: { Type: 'Pass', Next: 'Nowhere' } } };
    const { validation } = await prepareStateMachine(bad as never, store);
    await expect(validation).rejects.toThrow(/compiled state machine is invalid[\s\S]*Nowhere/);
    expect((await store.list('engine/asl-validated/')).length).toBe(1);
  });
});

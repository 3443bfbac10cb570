/**
 * Issue 8 §4, the cause of the orphaned steps: the engine learns a step's pid only once the step is running and
 * tells the step's guard afterwards, so an engine SIGKILLed in between (descheduled on a loaded machine) left
 * the guard without a group to kill. A step's command must not start before its guard has the group.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { runJob } from '../../lib/runner';
import { lookup, pipeline, type Sandbox, sandbox, step } from '../reuse/fixtures';

// A mock of our own guard (the only one in this file): `watch` holds the engine for 400 ms, as the scheduler of a
// loaded machine may between starting the step and writing its group, and notes whether the command ran meanwhile.
const seen = vi.hoisted(() => ({ marker: '', startedBeforeGuardKnew: false, watched: 0 }));
vi.mock('../../lib/runner/private/guard', () => ({
  startGuard: () => ({
    watch: () => {
      const until = Date.now() + 400;
      while (Date.now() < until) if (existsSync(seen.marker)) seen.startedBeforeGuardKnew = true;
      seen.watched++;
    },
    release: () => undefined,
  }),
}));

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
  await sb.write({ 'work/.keep': '' });
  seen.marker = join(sb.dir, 'started');
  seen.startedBeforeGuardKnew = false;
  seen.watched = 0;
});
afterEach(async () => sb.cleanup());

it("a step's command starts only after its guard has been told the step's process group", async () => {
  // GIVEN a step whose first act is to leave a mark
  const ir = pipeline([step('s', { command: ['sh', '-c', `: > "${seen.marker}"`] })]);
  const r = await lookup(sb.store, ir, 's', { p: {}, x: 'arn:aws:states:local:0:execution:demo:run-1' });
  // WHEN it runs while the engine is held between starting it and telling its guard
  await runJob({ store: sb.store, job: r.job!, workRoot: join(sb.dir, 'work') });
  // THEN the mark appeared only after the guard knew the group
  expect(seen.watched).toBe(1);
  expect(existsSync(seen.marker)).toBe(true);
  expect(seen.startedBeforeGuardKnew).toBe(false);
});

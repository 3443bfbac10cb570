/**
 * `serve` fires the definitions' schedules in-process, through the same handler as POST /pipelines/{name}/runs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../lib/serve';
import { eventually, http, serveForTest, tempDir, waitForRun } from './support';

let tmp: { dir: string; cleanup: () => Promise<void> };
let server: RunningServer | undefined;
const logs: string[] = [];

beforeAll(async () => {
  tmp = await tempDir();
});

afterAll(async () => {
  await server?.close();
  await tmp?.cleanup();
});

it('fires a cron schedule at its time with its parameters, and arms rate schedules one interval ahead', async () => {
  // GIVEN a pipeline with an every-minute cron schedule and an hourly rate schedule
  const file = join(tmp.dir, 'ticker.yaml');
  await writeFile(
    file,
    `name: ticker
parameters:
  label: { type: string }
  count: { type: integer, default: 1 }
steps:
  tick:
    command: [sh, -c, 'echo "$PW_PARAM_LABEL $PW_PARAM_COUNT" > "$PW_OUTPUT_OUT"']
    params: [label, count]
    outputs: [out]
schedules:
  every-minute: { cron: "* * * * ? *", timezone: Europe/Berlin, parameters: { label: scheduled, count: 7 } }
  hourly: { rate: "1 hour", parameters: { label: hourly } }
`,
  );
  // AND a clock that reads 300 ms before a minute boundary when the scheduler starts, so the cron schedule is due at once
  let offset: number | undefined;
  let started: Date | undefined;
  const now = (): Date => {
    offset ??= 60_000 - (Date.now() % 60_000) - 300;
    const t = new Date(Date.now() + offset);
    started ??= t;
    return t;
  };
  // WHEN
  server = await serveForTest([file], join(tmp.dir, 'store'), { now, log: (line) => logs.push(line) });
  // THEN the rate schedule is armed one interval after start
  const hourly = server.scheduler!.upcoming().find((s) => s.schedule === 'hourly')!;
  expect(hourly.next!.getTime() - started!.getTime()).toBeGreaterThanOrEqual(3_600_000);
  expect(hourly.next!.getTime() - started!.getTime()).toBeLessThan(3_600_000 + 5_000);
  // AND the cron schedule fired a run with its parameters
  const line = await eventually(() => logs.find((l) => l.startsWith('schedule ticker/every-minute fired')), 20_000, 'the schedule to fire');
  expect(line).toMatch(/→ 202 /);
  const runId = JSON.parse(line.slice(line.indexOf('{'))).runId as string;
  const done = await waitForRun(server.url, 'ticker', runId);
  expect(done.status).toBe('succeeded');
  expect(done.parameters).toEqual({ label: 'scheduled', count: 7 });
  // AND it is armed again for the next minute
  const cron = server.scheduler!.upcoming().find((s) => s.schedule === 'every-minute')!;
  expect(cron.next!.getTime() % 60_000).toBe(0);
  expect(cron.next!.getTime()).toBeGreaterThan(now().getTime());
  const list = await http(server.url, 'GET', '/pipelines');
  expect(list.body.pipelines[0].name).toBe('ticker');
});

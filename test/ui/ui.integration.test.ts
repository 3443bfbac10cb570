/**
 * The web UI in a real browser (Debian's Chromium, headless, via playwright-core) against a real `serve` with
 * the local engine: runs list, a run's DAG states, a failed step's logs, compare, a metric chart, the live
 * view of a running run, 404 pages, the self-contained report, and `serve --api` reading a signed API.
 * Every view's screenshot is saved under test-artifacts/ui/.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../lib/client';
import { startUiProxy, type RunningServer } from '../../lib/serve';
import { buildReport } from '../../lib/cli/commands/report';
import { http, serveForTest, tempDir, waitForRun } from '../api/support';
import { createFsStore } from '../../lib/store';
import { launchBrowser, openView, pageErrors, screenshot } from './browser';
import { layered, writeRun } from './synthetic-runs';

let tmp: { dir: string; cleanup: () => Promise<void> };
let server: RunningServer;
let browser: Browser;
let page: Page;
let errors: string[];
const trainerRuns: string[] = [];
let failedRun: string;

async function trigger(pipeline: string, parameters: Record<string, unknown> = {}, wait = true): Promise<string> {
  const r = await http(server.url, 'POST', `/pipelines/${pipeline}/runs`, { parameters });
  expect(r.status).toBe(202);
  if (wait) await waitForRun(server.url, pipeline, r.body.runId);
  return r.body.runId;
}

/** The data-status of each DAG node, by step. */
async function dagStates(): Promise<Record<string, string>> {
  return page.$$eval('svg.dag g.node', (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-step'), n.getAttribute('data-status')])));
}

beforeAll(async () => {
  tmp = await tempDir('pw-ui-');
  // A trainer whose train step logs a 5-point loss series and an accuracy equal to its lr parameter.
  await writeFile(
    join(tmp.dir, 'train.sh'),
    `awk -v lr="$PW_PARAM_LR" 'BEGIN { for (i = 1; i <= 5; i++) printf "{\\"name\\":\\"loss\\",\\"value\\":%f,\\"step\\":%d}\\n", 1 / (i * lr * 10), i; printf "{\\"name\\":\\"accuracy\\",\\"value\\":%s}\\n", lr }' >> "$PW_METRICS"
echo "training with lr $PW_PARAM_LR"
cat "$PW_INPUT_DATA" > "$PW_OUTPUT_MODEL"
`,
  );
  await writeFile(
    join(tmp.dir, 'trainer.yaml'),
    `name: trainer
parameters:
  lr: { type: number, default: 0.1 }
steps:
  prepare:
    command: [sh, -c, 'echo rows > "$PW_OUTPUT_DATA"']
    outputs: [data]
  train:
    command: [sh, ${join(tmp.dir, 'train.sh')}]
    inputs: { data: prepare.data }
    params: [lr]
    outputs: [model]
`,
  );
  await writeFile(
    join(tmp.dir, 'failing.yaml'),
    `name: failing
steps:
  broken:
    command: [sh, -c, 'echo "loading data"; echo "boom: no such table" >&2; exit 3']
  downstream:
    command: [sh, -c, 'true']
    after: [broken]
`,
  );
  await writeFile(
    join(tmp.dir, 'live.yaml'),
    `name: live
steps:
  gate:
    command: [sh, -c, 'while [ ! -f ${join(tmp.dir, 'go')} ]; do sleep 0.1; done']
    cache: false
  after:
    command: [sh, -c, 'true']
    after: [gate]
    cache: false
`,
  );
  server = await serveForTest(['trainer.yaml', 'failing.yaml', 'live.yaml'].map((f) => join(tmp.dir, f)), join(tmp.dir, 'store'), { schedules: false });
  for (const lr of [0.1, 0.2, 0.4]) trainerRuns.push(await trigger('trainer', { lr }));
  failedRun = await trigger('failing');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  errors = pageErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await tmp?.cleanup();
});

describe('web UI', () => {
  it('lists the runs of a pipeline with status, trigger, parameters and reuse, and filters them', async () => {
    await openView(page, `${server.url}/ui/#/p/trainer`);
    const rows = await page.$$eval('table.runs tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-run'), tr.getAttribute('data-status'), tr.children[3].textContent, tr.children[4].textContent, tr.children[7].textContent]));
    expect(rows).toEqual([
      [trainerRuns[2], 'succeeded', 'api', 'lr=0.4', '1 / 1 / 0 / 0'],
      [trainerRuns[1], 'succeeded', 'api', 'lr=0.2', '1 / 1 / 0 / 0'],
      [trainerRuns[0], 'succeeded', 'api', 'lr=0.1', '2 / 0 / 0 / 0'],
    ]);
    await screenshot(page, '01-runs-list');
    await page.fill('input.filter', 'lr=0.2');
    expect(await page.$$eval('table.runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run')))).toEqual([trainerRuns[1]]);
    await screenshot(page, '02-runs-filtered');
  });

  it("opens a run from the list and shows each step's state in the DAG and the timeline", async () => {
    await openView(page, `${server.url}/ui/#/p/trainer`);
    await page.click(`a[href$="${trainerRuns[1]}"]`);
    await page.waitForSelector('svg.dag g.node');
    expect(await dagStates()).toEqual({ prepare: 'reused', train: 'ran' });
    // The edge prepare → train was laid out
    expect(await page.locator('svg.dag path.edge').count()).toBe(1);
    expect(await page.locator('.gantt-row[data-step="train"] .gantt-bar.st-ran').count()).toBe(1);
    // Select train: its full loss series is charted, its outputs can be downloaded
    await page.click('svg.dag g.node[data-step="train"]');
    await page.waitForSelector('section.step[data-step="train"]');
    expect(await page.textContent('tr[data-metric="loss"] td:nth-child(3)')).toBe('5');
    await page.waitForSelector('.chart[data-title="loss"] canvas');
    const href = await page.getAttribute('tr[data-output="model"] a[download]', 'href');
    const download = await fetch(`${server.url}${href}`);
    expect(await download.text()).toBe('rows\n');
    await page.waitForSelector('.explain-out [data-verdict="differs"]');
    expect(await page.textContent('.explain-out')).toContain('param lr: 0.1 → 0.2');
    await screenshot(page, '03-run-dag');
  });

  it("shows a failed run's failed and skipped steps and the failed step's logs", async () => {
    await openView(page, `${server.url}/ui/#/r/failing/${failedRun}`);
    expect(await dagStates()).toEqual({ broken: 'failed', downstream: 'skipped' });
    // The failed step is selected on arrival; its logs are shown
    await page.waitForSelector('section.step[data-step="broken"][data-status="failed"]');
    expect(await page.textContent('pre.log.stderr')).toBe('boom: no such table\n');
    expect(await page.textContent('pre.log.stdout')).toBe('loading data\n');
    expect(await page.textContent('.run-head [data-status]')).toBe('failed');
    await screenshot(page, '04-failed-step-logs');
  });

  it('compares two runs (the older is the baseline): parameters, metrics, and which steps differ and why', async () => {
    await openView(page, `${server.url}/ui/#/p/trainer`);
    await page.check(`input[aria-label="select ${trainerRuns[0]}"]`);
    await page.check(`input[aria-label="select ${trainerRuns[2]}"]`);
    await page.click('#compare');
    await page.waitForSelector('table.compare.steps');
    expect(await page.getAttribute('tr[data-param="lr"]', 'class')).toBe('differs');
    expect(await page.$$eval('tr[data-param="lr"] td', (tds) => tds.map((t) => t.textContent))).toEqual(['lr', '0.1', '0.4']);
    expect(await page.getAttribute('table.steps tr[data-step="prepare"]', 'data-same')).toBe('true');
    expect(await page.getAttribute('table.steps tr[data-step="train"]', 'data-same')).toBe('false');
    expect(await page.textContent('table.steps tr[data-step="train"]')).toContain('param lr: 0.1 → 0.4');
    expect(await page.$$eval('tr[data-metric="train.accuracy"] td', (tds) => tds.slice(1, 3).map((t) => t.textContent))).toEqual(['0.1', '0.4']);
    await screenshot(page, '05-compare');
  });

  it('follows a metric across the runs of a pipeline on a chart', async () => {
    await openView(page, `${server.url}/ui/#/p/trainer`);
    await page.click('text=Metrics across runs');
    await page.waitForSelector('select.metric-select');
    await page.selectOption('select.metric-select', 'train.accuracy');
    await page.waitForSelector('.chart[data-title="train.accuracy over 3 run(s)"] canvas');
    expect(await page.getAttribute('.chart', 'data-points')).toBe('3');
    expect(await page.$$eval('table.metric-runs td.value', (tds) => tds.map((t) => t.textContent))).toEqual(['0.1', '0.2', '0.4']);
    expect(await page.$$eval('table.metric-runs tr[data-run]', (trs) => trs.map((t) => t.getAttribute('data-run')))).toEqual(trainerRuns);
    await screenshot(page, '06-metric-chart');
  });

  it('shows lineage of an output: who produced and who consumed it', async () => {
    await openView(page, `${server.url}/ui/#/l/${trainerRuns[0]}.prepare.data`);
    expect(await page.$$eval('table.produced tbody tr', (trs) => trs.map((t) => `${t.getAttribute('data-run')}.${t.getAttribute('data-step')}`))).toContain(`${trainerRuns[0]}.prepare`);
    expect(await page.$$eval('table.consumed tbody tr', (trs) => trs.map((t) => `${t.getAttribute('data-run')}.${t.getAttribute('data-step')}`))).toEqual(trainerRuns.map((r) => `${r}.train`));
    await screenshot(page, '07-lineage');
  });

  it('answers unknown runs, steps and artifacts with a 404 page naming what was not found', async () => {
    await openView(page, `${server.url}/ui/#/r/trainer/20990101-000000-nope00`);
    expect(await page.textContent('[data-page="404"] .message')).toMatch(/no run '20990101-000000-nope00'.*pipewright runs trainer/);
    await screenshot(page, '08-not-found');
    await openView(page, `${server.url}/ui/#/l/sha256:${'0'.repeat(64)}`);
    expect(await page.textContent('[data-page="404"] .message')).toMatch(/No artifact sha256:0+/);
    await openView(page, `${server.url}/ui/#/r/trainer/${trainerRuns[0]}/nope`);
    // An unknown step in the URL selects nothing rather than failing
    expect(await dagStates()).toEqual({ prepare: 'ran', train: 'ran' });
  });

  it('updates a running run live: running, then ran and succeeded', async () => {
    const runId = await trigger('live', {}, false);
    await openView(page, `${server.url}/ui/#/r/live/${runId}`);
    await page.waitForSelector('svg.dag g.node[data-step="gate"][data-status="running"]');
    expect((await dagStates()).after).toBe('pending');
    await screenshot(page, '09-live-running');
    await writeFile(join(tmp.dir, 'go'), '');
    await page.waitForSelector('svg.dag g.node[data-step="after"][data-status="ran"]', { timeout: 20_000 });
    await page.waitForSelector('.run-head[data-status="succeeded"]');
    expect(await dagStates()).toEqual({ gate: 'ran', after: 'ran' });
    await screenshot(page, '10-live-finished');
  });

  it('writes a self-contained report that renders the run from a file, offline', async () => {
    const { html } = await buildReport({ store: join(tmp.dir, 'store') }, failedRun);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/); // nothing to fetch
    const file = join(tmp.dir, 'report.html');
    await writeFile(file, html);
    await openView(page, `file://${file}`);
    expect(await dagStates()).toEqual({ broken: 'failed', downstream: 'skipped' });
    // The `after` edge comes from the run document, with no definition at hand
    expect(await page.locator('svg.dag path.edge').count()).toBe(1);
    expect(await page.textContent('pre.log.stderr')).toBe('boom: no such table\n');
    await screenshot(page, '11-report');
  });

  it('serve --api: the UI reads a SigV4-protected API through the signing proxy', async () => {
    // GIVEN an API that verifies signatures (as API Gateway's AWS_IAM does) over the same store
    const credentials = { accessKeyId: 'AKIDUITEST', secretAccessKey: 'secret-for-tests' };
    const signed = await serveForTest(['trainer.yaml'].map((f) => join(tmp.dir, f)), join(tmp.dir, 'store'), { schedules: false, sigv4Credentials: credentials });
    const proxy = await startUiProxy({ client: new ApiClient({ api: signed.url, credentials }), port: 0 });
    try {
      expect((await http(signed.url, 'GET', '/pipelines/trainer/runs')).status).toBe(403);
      // WHEN the browser opens the proxy
      await openView(page, `${proxy.url}/ui/#/p/trainer`);
      // THEN it shows the runs read through the signed API
      expect(await page.$$eval('table.runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run')))).toEqual([...trainerRuns].reverse());
      await screenshot(page, '12-api-proxy');
    } finally {
      await proxy.close();
      await signed.close();
    }
  });

  it('draws a foreach step as one grouped node with its item counts, and a step skipped by its condition', async () => {
    // GIVEN a run as the foreach engine (issue 11) records it: item counts and failed items on the step
    const store = createFsStore(join(tmp.dir, 'store'));
    await writeRun(store, 'scoring', '20261130-120000-00000f', { prepare: [], score: ['prepare'], publish: ['score'] }, {
      score: { items: { total: 1000, ran: 990, reused: 0, failed: 10 }, failedItems: [{ index: 7, name: 'part-7', error: 'exit 1' }] },
      publish: { status: 'skipped', reason: 'condition' },
    });
    await openView(page, `${server.url}/ui/#/r/scoring/20261130-120000-00000f/score`);
    expect(await dagStates()).toEqual({ prepare: 'ran', score: 'ran', publish: 'skipped' });
    expect(await page.locator('svg.dag g.node.foreach').count()).toBe(1);
    expect(await page.textContent('svg.dag g.node[data-step="score"] text.sub')).toBe('1000 items: 990 ran · 0 reused · 10 failed');
    expect(await page.textContent('svg.dag g.node[data-step="publish"] text.sub')).toBe('skipped (condition)');
    await page.waitForSelector('.failed-items li[data-item="7"]');
    await screenshot(page, '13-foreach');
  });

  it('shows a run of more than 120 steps by level, listing a level\'s steps when selected', async () => {
    const store = createFsStore(join(tmp.dir, 'store'));
    await writeRun(store, 'wide', '20261130-120000-00000w', layered(150, 30));
    await openView(page, `${server.url}/ui/#/r/wide/20261130-120000-00000w`);
    const levels = await page.$$eval('svg.dag g.node', (ns) => ns.map((n) => n.getAttribute('data-step')));
    expect(levels).toEqual([0, 1, 2, 3, 4].map((l) => `level ${l} (30 steps)`));
    await page.click('svg.dag g.node[data-step="level 2 (30 steps)"]');
    expect(await page.locator('section.group li').count()).toBe(30);
    expect(await page.locator('.gantt-row').count()).toBe(150);
    await screenshot(page, '14-large-run-by-level');
  });

  it('raised no page errors', () => {
    expect(errors.filter((e) => !/404 \(Not Found\)/.test(e))).toEqual([]);
  });
});

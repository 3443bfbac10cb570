/**
 * `npm run bench:ui`: how long the web UI takes to show large runs in headless Chromium, from navigation to
 * the rendered view (page, bundle, API reads, DAG layout, timeline and DOM): a 1,000-step run, a run with a
 * 1,000-item foreach step, the runs list of 500 runs, and a run's metric series of 10,000 points.
 *
 * The runs are written straight into a temporary store as the engine would leave them (run document, step
 * documents, manifest), so the measurement is of the UI only. Target: under 2 s each. Set BENCH_REPEAT to
 * change the repetitions (default 5; the median is printed).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/serve';
import type { StepRunDocument } from '../lib/protocol';
import { createFsStore } from '../lib/store';
import { KEY, layered, T0, writeRun } from '../test/ui/synthetic-runs';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const TARGET_MS = 2000;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/chromium')) throw new Error("/usr/bin/chromium is missing; install it with 'apt-get install -y chromium'.");
  const dir = await mkdtemp(join(tmpdir(), 'pw-bench-ui-'));
  const store = createFsStore(join(dir, 'store'));
  await writeRun(store, 'big', '20261130-120000-000big', layered(1000, 50));
  await writeRun(store, 'fanout', '20261130-120000-0000fe', { prepare: [], score: ['prepare'], gather: ['score'] }, {
    score: { items: { total: 1000, ran: 990, reused: 0, failed: 10 }, failedItems: Array.from({ length: 10 }, (_, i) => ({ index: i * 97, name: `part-${i * 97}`, error: 'exit 1' })) },
  });
  for (let i = 0; i < 500; i++) await writeRun(store, 'many', `20261130-12${String(Math.floor(i / 60)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}-${String(i).padStart(6, '0')}`, { a: [], b: ['a'] });
  // A step with a 10,000-point series
  const series = Array.from({ length: 10_000 }, (_, i) => ({ name: 'loss', value: 1 / (i + 1), step: i }));
  await store.putJson('runs/20261130-120000-000big/s0000.json', { step: 's0000', status: 'ran', cacheKey: KEY, outputs: { out: KEY }, metrics: series, durationMs: 500, startedAt: new Date(T0).toISOString() } satisfies StepRunDocument);

  const server = await startServer({ pipelines: [], store, port: 0, schedules: false });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const cases: [string, string, string][] = [
    ['1,000-step run (DAG + timeline)', '#/r/big/20261130-120000-000big', 'svg.dag g.node'],
    ['1,000-item foreach run (grouped node)', '#/r/fanout/20261130-120000-0000fe', 'svg.dag g.node.foreach'],
    ['runs list of 500 runs (first 100 shown)', '#/p/many', 'table.runs tbody tr'],
    ['step with a 10,000-point metric series', '#/r/big/20261130-120000-000big/s0000', '.chart canvas'],
  ];
  const rows: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.goto(`${server.url}/ui/`); // warm the server's bundle once, as a user's second visit would find it
    await page.waitForFunction('document.body.dataset.rendered !== undefined');
    for (const [name, route, selector] of cases) {
      const times: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        await page.goto('about:blank');
        const t = performance.now();
        await page.goto(`${server.url}/ui/${route}`);
        await page.waitForSelector(selector, { timeout: 30_000 }).catch(async (err: Error) => {
          throw new Error(`${name}: ${err.message}\npage shows: ${(await page.textContent('#step').catch(() => ''))?.slice(0, 300)} / ${(await page.textContent('main'))?.slice(0, 200)}`);
        });
        await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
        times.push(performance.now() - t);
      }
      const nodes = await page.locator('svg.dag g.node').count();
      const m = median(times);
      rows.push(`| ${name.padEnd(40)} | ${String(nodes).padStart(9)} | ${m.toFixed(0).padStart(10)} | ${(m / TARGET_MS).toFixed(2).padStart(14)} |`);
    }
  } finally {
    await browser.close();
    await server.close();
    if (process.env.BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `bench:ui — navigation to rendered view in headless Chromium, median of ${REPEAT} (target < ${TARGET_MS} ms)`,
      '',
      '| view                                     | DAG nodes | median ms | of 2 s target |',
      '|:-----------------------------------------|----------:|----------:|--------------:|',
      ...rows,
      '',
    ].join('\n'),
  );
}

await main();

/**
 * Foreach jobs of several items locally (issue 11: mini-batches and maxConcurrency), with the real
 * interpreter and real subprocesses: `maxConcurrency` deals the jobs to that many array children (the plan
 * the Batch array job runs too), a mini-batch is staged once and run as one chain, and per-item failure,
 * reuse and `tolerate` are those of single items.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../lib/engine';
import { runItemKey, type StepRunDocument } from '../../lib/protocol';
import { resolveParameters } from '../../lib/spec';
import type { Hash } from '../../lib/store';
import { makeProject, type Project } from './support';

let p: Project;

beforeEach(async () => {
  p = await makeProject('pw-foreach-chain-');
});

afterEach(async () => {
  await p.cleanup();
});

/** The items each run executed, from the engine's item events. */
function itemsRan(events: readonly EngineEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'item-finished' && e.status === 'ran' ? [e.item] : [])).sort();
}

/**
 * Each item marks itself running in $M (a folder outside the staging), counts the markers there twice, sleeps,
 * then removes its marker; item 4 fails after that. Output: "<array index> <counts…>".
 */
function pipeline(markers: string, extra: string): string {
  return `
name: capped
parameters:
  xs: { type: list, default: [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11] }
steps:
  each:
    foreach: params.xs
    ${extra}
    compute: { vcpus: 0.25, memory: 64 }
    env: { M: ${JSON.stringify(markers)} }
    tolerate: { count: 1 }
    command:
      - sh
      - -c
      - |
        touch "$M/run.$PW_ITEM_NAME"
        a=$(ls "$M" | grep -c '^run\\.')
        sleep 0.4
        b=$(ls "$M" | grep -c '^run\\.')
        rm "$M/run.$PW_ITEM_NAME"
        echo "$a $b" > "$M/count.$PW_ITEM_NAME"
        [ "$PW_ITEM" != a4 ] || { echo "item a4 is bad" >&2; exit 3; }
        echo "$AWS_BATCH_JOB_ARRAY_INDEX" > "$PW_OUTPUT_OUT"
    outputs: [out]
`;
}

async function maxRunning(markers: string): Promise<number> {
  const counts = (await readdir(markers)).filter((n) => n.startsWith('count.'));
  const values = await Promise.all(counts.map(async (n) => (await readFile(join(markers, n), 'utf8')).trim().split(' ').map(Number)));
  return Math.max(...values.flat());
}

describe('maxConcurrency deals the jobs to that many array children', () => {
  it('never runs more than 3 of 12 items at once, child k runs jobs k, k+3, …, a failing job does not stop its child, all results gathered', async () => {
    // GIVEN 12 items, one per job, at most 3 at once, item 4 failing (tolerated)
    const markers = join(p.dir, 'markers');
    await mkdir(markers);
    await p.write('pipeline.yaml', pipeline(markers, 'maxConcurrency: 3'));
    // WHEN it runs
    const events: EngineEvent[] = [];
    const { doc } = await p.run(await p.load(), { onEvent: (e) => events.push(e) });
    // THEN the step succeeded within tolerate, with 11 of 12 items gathered and item 4 listed as failed
    expect(doc.status).toBe('succeeded');
    expect(doc.steps.each.items).toEqual({ total: 12, ran: 11, reused: 0, failed: 1 });
    expect(doc.steps.each.failedItems).toEqual([{ index: 4, name: '0004', error: expect.stringMatching(/exit code 3[\s\S]*item a4 is bad/) }]);
    // AND never more than 3 item commands were running at once (but more than one: the children run together)
    const most = await maxRunning(markers);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    // AND item i ran in array child i mod 3 — child 1 went on to items 7 and 10 after item 4 failed
    const dest = join(p.dir, 'gathered');
    await p.store.materialize(doc.steps.each.outputs!.out, dest);
    const names = (await readdir(dest)).sort();
    expect(names).toEqual(['0000', '0001', '0002', '0003', '0005', '0006', '0007', '0008', '0009', '0010', '0011']);
    for (const n of names) expect((await readFile(join(dest, n), 'utf8')).trim()).toBe(String(Number(n) % 3));
    expect(itemsRan(events)).toEqual(names);
  });

  it('with mini-batches: 12 items in batches of 2 under maxConcurrency 2 run as 2 children of 3 jobs each', async () => {
    const markers = join(p.dir, 'markers');
    await mkdir(markers);
    await p.write('pipeline.yaml', pipeline(markers, 'maxConcurrency: 2\n    batch: 2'));
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    expect(doc.steps.each.items).toEqual({ total: 12, ran: 11, reused: 0, failed: 1 });
    expect(await maxRunning(markers)).toBeLessThanOrEqual(2);
    const dest = join(p.dir, 'gathered');
    await p.store.materialize(doc.steps.each.outputs!.out, dest);
    // jobs are items (0,1) (2,3) (4,5) …; job j runs in child j mod 2
    for (const n of await readdir(dest)) expect((await readFile(join(dest, n), 'utf8')).trim()).toBe(String(Math.floor(Number(n) / 2) % 2));
  });
});

describe('a mini-batch runs as one chain', () => {
  const CHAIN = `
name: chain
parameters:
  xs: { type: list, default: [a, b, c, d, e] }
steps:
  each:
    foreach: params.xs
    batch: 5
    code: ./src
    inputs: { shared: { path: ./shared.txt } }
    command: [sh, -c, 'echo "$PW_ITEM" >> seen.txt; [ "$PW_ITEM" != c ] || exit 5; { cat seen.txt readme.txt "$PW_INPUT_SHARED"; } > "$PW_OUTPUT_OUT"; echo "{\\"name\\": \\"n\\", \\"value\\": 1}" >> "$PW_METRICS"; echo "out $PW_ITEM"']
    outputs: [out]
`;

  it('stages the code and shared inputs once per job, runs every item even after one fails, stores each item on its own', async () => {
    // GIVEN one job of 5 items over a code tree and a shared input; item c fails
    await p.write('pipeline.yaml', CHAIN);
    await p.write('src/readme.txt', 'code\n');
    await p.write('shared.txt', 'shared\n');
    // WHEN it runs
    const { doc } = await p.run(await p.load());
    // THEN the step fails (nothing tolerated), naming item c; the 4 others are stored
    expect(doc.status).toBe('failed');
    expect(doc.steps.each.items).toEqual({ total: 5, ran: 4, reused: 0, failed: 1 });
    expect(doc.steps.each.error).toMatch(/item 0002 .*exit code 5/);
    // AND each item is stored on its own (its output, metrics and logs); the items shared one working directory,
    // a single copy of the code tree, so each saw the items before it
    for (const [index, x] of [[0, 'a'], [1, 'b'], [3, 'd'], [4, 'e']] as const) {
      const runDoc = await p.store.getJson<StepRunDocument>(runItemKey(doc.runId, 'each', index));
      expect(runDoc?.status).toBe('ran');
      const text = (await p.store.getBytes(runDoc!.outputs.out as Hash)).toString();
      expect(text).toBe(`${['a', 'b', 'c', 'd', 'e'].slice(0, index + 1).join('\n')}\ncode\nshared\n`);
      expect(runDoc!.metrics).toEqual([{ name: 'n', value: 1 }]);
      expect((await p.store.getBytes(runDoc!.stdout!)).toString()).toBe(`out ${x}\n`);
    }
    // WHEN the failing value is replaced: exactly that item runs again, the others are reused
    const { doc: again, events } = await p.run(await p.load(), { parameters: resolveParameters(await p.load(), { xs: ['a', 'b', 'c2', 'd', 'e'] }) });
    expect(again.status).toBe('succeeded');
    expect(again.steps.each.items).toEqual({ total: 5, ran: 1, reused: 4, failed: 0 });
    expect(itemsRan(events)).toEqual(['0002']);
  });
});

describe('the step timeout in a mini-batch', () => {
  it('limits each item: a slow item times out, the items after it still run', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: slow
parameters:
  xs: { type: list, default: [a, slow, b] }
steps:
  each:
    foreach: params.xs
    batch: 3
    tolerate: { count: 1 }
    command: [sh, -c, '[ "$PW_ITEM" != slow ] || exec sleep 30; echo "$PW_ITEM" > "$PW_OUTPUT_OUT"']
    outputs: [out]
`,
    );
    // A definition may not say less than Batch's 60 s; the runner's limit is the IR's, so the test sets 1 s there.
    const ir = await p.load();
    const { doc } = await p.run({ ...ir, steps: { ...ir.steps, each: { ...ir.steps.each, timeoutSeconds: 1 } } });
    expect(doc.status).toBe('succeeded');
    expect(doc.steps.each.items).toEqual({ total: 3, ran: 2, reused: 0, failed: 1 });
    expect(doc.steps.each.failedItems).toEqual([{ index: 1, name: '0001', error: expect.stringMatching(/item 0001 timed out after 1 s \(the step's timeout\)/) }]);
  });
});

describe('secrets and --verbose in a mini-batch', () => {
  it("gives each item the step's secrets, masks them in its stored logs and failure message, and streams its output", async () => {
    await p.write(
      'pipeline.yaml',
      `
name: secretchain
parameters:
  xs: { type: list, default: [a, b] }
steps:
  each:
    foreach: params.xs
    batch: 2
    tolerate: { count: 1 }
    secrets: { CHAIN_TOKEN: "ssm:/ml/token" }
    command: [sh, -c, 'echo "item $PW_ITEM token $CHAIN_TOKEN"; [ "$PW_ITEM" = a ] || { echo "bad $CHAIN_TOKEN" >&2; exit 2; }; touch "$PW_OUTPUT_OUT"']
    outputs: [out]
`,
    );
    process.env.CHAIN_TOKEN = 'chain-s3cr3t';
    try {
      const { doc, events } = await p.run(await p.load(), { verbose: true });
      expect(doc.steps.each.items).toEqual({ total: 2, ran: 1, reused: 0, failed: 1 });
      // the secret reached the items (masked when stored, streamed and reported)
      const ok = await p.store.getJson<StepRunDocument>(runItemKey(doc.runId, 'each', 0));
      expect((await p.store.getBytes(ok!.stdout!)).toString()).toBe('item a token ***\n');
      expect(doc.steps.each.failedItems![0].error).toMatch(/exit code 2[\s\S]*bad \*\*\*/);
      const streamed = events.flatMap((e) => (e.type === 'step-output' ? [e.text] : [])).join('');
      expect(streamed).toContain('item a token ***');
      expect(streamed).toContain('item b token ***');
      expect(JSON.stringify([doc, events])).not.toContain('chain-s3cr3t');
    } finally {
      delete process.env.CHAIN_TOKEN;
    }
  });
});

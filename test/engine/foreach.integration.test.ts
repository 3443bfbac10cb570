/**
 * Foreach end to end (issue 11 §1): YAML → the compiled state machine in the real interpreter → real
 * subprocesses per item → the store. Per-item reuse, gathering, mini-batches, tolerate and bad input.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveParameters } from '../../lib/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../lib/engine';
import { CasStore } from '../../lib/store';
import { makeProject, statuses, type Project } from './support';

/** split copies data/ (one file per partition); score counts each partition's lines; merge lists what it got. */
const PIPELINE = `
name: scoring
steps:
  split:
    inputs: { data: { path: ./data } }
    command: [sh, -c, 'cp -R "$PW_INPUT_DATA" "$PW_OUTPUT_PARTS"']
    outputs: [parts]
  score:
    foreach: split.parts
    command: [sh, -c, 'if grep -q bad "$PW_ITEM"; then echo "bad partition $PW_ITEM_NAME" >&2; exit 4; fi; wc -l < "$PW_ITEM" | tr -d " " > "$PW_OUTPUT_SCORE"']
    outputs: [score]
    TOLERATE
  merge:
    inputs: { scores: score.score, items: score.items }
    command: [sh, -c, 'for f in "$PW_INPUT_SCORES"/*; do echo "$(basename "$f")=$(cat "$f")"; done > "$PW_OUTPUT_SUMMARY"']
    outputs: [summary]
`;

let p: Project;

async function setUp(partitions: number, tolerate = ''): Promise<void> {
  await p.write('pipeline.yaml', PIPELINE.replace('TOLERATE', tolerate));
  for (let i = 0; i < partitions; i++) await p.write(`data/part-${String(i).padStart(2, '0')}.csv`, 'x\n'.repeat(i + 1));
}

/** The items each run executed, from the engine's item events. */
function itemsRan(events: readonly EngineEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'item-finished' && e.status === 'ran' ? [e.item] : [])).sort();
}

async function summaryOf(ref: string): Promise<string> {
  const dest = join(p.dir, `out-${Date.now()}`);
  await p.store.materialize(ref as never, dest);
  return readFile(dest, 'utf8');
}

beforeEach(async () => {
  p = await makeProject('pw-foreach-');
});

afterEach(async () => {
  await p.cleanup();
});

describe('foreach over an upstream directory', () => {
  it('runs one item per file, gathers outputs by item name in order, and a consumer takes them as one input', async () => {
    // GIVEN 5 partitions
    await setUp(5);
    // WHEN the pipeline runs
    const { doc, events } = await p.run(await p.load());
    // THEN every item ran, the gathered directory has one entry per item, named after it
    expect(doc.status).toBe('succeeded');
    expect(doc.steps.score.items).toEqual({ total: 5, ran: 5, reused: 0, failed: 0 });
    expect(itemsRan(events)).toEqual(['part-00.csv', 'part-01.csv', 'part-02.csv', 'part-03.csv', 'part-04.csv']);
    expect(await summaryOf(doc.steps.merge.outputs!.summary)).toBe(
      'part-00.csv=1\npart-01.csv=2\npart-02.csv=3\npart-03.csv=4\npart-04.csv=5\n',
    );
  });

  it('re-runs exactly the one changed partition and what consumes the gathered output', async () => {
    // GIVEN a first run over 8 partitions
    await setUp(8);
    await p.run(await p.load());
    // WHEN one partition changes
    // (new content: an item whose content equals another's record would be reused, being keyed by content)
    await writeFile(join(p.dir, 'data/part-03.csv'), 'y\n'.repeat(20));
    const { doc, events } = await p.run(await p.load());
    // THEN only that item ran, the other 7 were reused, and merge re-ran with the new score
    expect(doc.steps.score.items).toEqual({ total: 8, ran: 1, reused: 7, failed: 0 });
    expect(itemsRan(events)).toEqual(['part-03.csv']);
    expect(statuses(doc)).toEqual({ split: 'ran', score: 'ran', merge: 'ran' });
    expect(await summaryOf(doc.steps.merge.outputs!.summary)).toContain('part-03.csv=20\n');
    // AND an unchanged third run reuses the whole foreach with one record
    const third = await p.run(await p.load());
    expect(statuses(third.doc)).toEqual({ split: 'reused', score: 'reused', merge: 'reused' });
    expect(third.doc.steps.score.items).toEqual({ total: 8, ran: 0, reused: 8, failed: 0 });
  });

  it('a renamed but unchanged partition is not run again (the key is the content, not the name)', async () => {
    await setUp(3);
    await p.run(await p.load());
    await writeFile(join(p.dir, 'data/part-09.csv'), 'x\n');
    const { rm } = await import('node:fs/promises');
    await rm(join(p.dir, 'data/part-00.csv'));
    const { doc, events } = await p.run(await p.load());
    expect(itemsRan(events)).toEqual([]);
    expect(doc.steps.score.items).toEqual({ total: 3, ran: 0, reused: 3, failed: 0 });
    expect(await summaryOf(doc.steps.merge.outputs!.summary)).toBe('part-01.csv=2\npart-02.csv=3\npart-09.csv=1\n');
  });
});

describe('tolerate', () => {
  it('fails the step when more items fail than tolerated, keeps the finished items, and a re-run reuses them', async () => {
    // GIVEN 6 partitions of which 2 are bad, and the default tolerate (none)
    await setUp(6);
    await p.write('data/part-01.csv', 'bad\n');
    await p.write('data/part-04.csv', 'bad\n');
    // WHEN it runs
    const first = await p.run(await p.load());
    // THEN the run failed, naming both items and their errors; the siblings still ran; merge never started
    expect(first.doc.status).toBe('failed');
    expect(statuses(first.doc)).toEqual({ split: 'ran', score: 'failed', merge: 'skipped' });
    expect(first.doc.steps.score.items).toEqual({ total: 6, ran: 4, reused: 0, failed: 2 });
    expect(first.doc.steps.score.failedItems!.map((f) => [f.index, f.name])).toEqual([
      [1, 'part-01.csv'],
      [4, 'part-04.csv'],
    ]);
    expect(first.doc.steps.score.failedItems![0].error).toMatch(/exit code 4[\s\S]*bad partition part-01\.csv/);
    expect(first.doc.steps.score.error).toMatch(/2 of 6 items failed, more than it tolerates \(0\)/);
    // The same lists are stored for `show` and the API.
    const stepDoc = await p.store.getJson<{ failedItems: unknown[] }>(`runs/${first.doc.runId}/score.json`);
    expect(stepDoc?.failedItems).toHaveLength(2);

    // WHEN the bad partitions are fixed and the pipeline runs again
    await p.write('data/part-01.csv', 'fixed\n');
    await p.write('data/part-04.csv', 'fixed\nfixed\n');
    const second = await p.run(await p.load());
    // THEN only the two fixed items ran: the four that finished were kept
    expect(second.doc.status).toBe('succeeded');
    expect(second.doc.steps.score.items).toEqual({ total: 6, ran: 2, reused: 4, failed: 0 });
    expect(itemsRan(second.events)).toEqual(['part-01.csv', 'part-04.csv']);
  });

  it('within tolerate the step succeeds, the consumer sees which items are missing, and the next run retries them', async () => {
    await setUp(4, 'tolerate: { percent: 25 }');
    await p.write('data/part-02.csv', 'bad\n');
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    expect(doc.steps.score.items).toEqual({ total: 4, ran: 3, reused: 0, failed: 1 });
    expect(doc.steps.score.failedItems!.map((f) => f.name)).toEqual(['part-02.csv']);
    expect(await summaryOf(doc.steps.merge.outputs!.summary)).toBe('part-00.csv=1\npart-01.csv=2\npart-03.csv=4\n');
    const items = JSON.parse(await summaryOf(doc.steps.score.outputs!.items)) as Array<{ name: string; status: string }>;
    expect(items.map((i) => `${i.name}:${i.status}`)).toEqual(['part-00.csv:ok', 'part-01.csv:ok', 'part-02.csv:failed', 'part-03.csv:ok']);
    // A result with tolerated failures is never reused whole: the failed item is retried.
    const again = await p.run(await p.load());
    expect(again.doc.steps.score.items).toEqual({ total: 4, ran: 0, reused: 3, failed: 1 });
  });
});

describe('list parameters, JSON arrays, mini-batches and concurrency', () => {
  it('iterates a list parameter in mini-batches, one subprocess per item, values in PW_ITEM', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: genres
parameters:
  genres: { type: list, default: [rock, jazz, pop, folk, soul] }
steps:
  each:
    foreach: params.genres
    batch: 2
    maxConcurrency: 2
    compute: { vcpus: 0.25 }
    command: [sh, -c, 'echo "$PW_ITEM_INDEX:$PW_ITEM_NAME:$PW_ITEM:$AWS_BATCH_JOB_ARRAY_INDEX" > "$PW_OUTPUT_OUT"']
    outputs: [out]
`,
    );
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    const dest = join(p.dir, 'gathered');
    await p.store.materialize(doc.steps.each.outputs!.out, dest);
    const names = (await readdir(dest)).sort();
    expect(names).toEqual(['0000', '0001', '0002', '0003', '0004']);
    const lines = await Promise.all(names.map((n) => readFile(join(dest, n), 'utf8')));
    // 5 items in batches of 2 → 3 jobs; maxConcurrency 2 → 2 array children, child 0 running jobs 0 and 2
    expect(lines.join('')).toBe('0:0000:rock:0\n1:0001:jazz:0\n2:0002:pop:1\n3:0003:folk:1\n4:0004:soul:0\n');
    // A changed list re-runs only the new value.
    const { doc: second } = await p.run(await p.load(), { parameters: resolveParameters(await p.load(), { genres: ['rock', 'jazz', 'pop', 'folk', 'soul', 'blues'] }) });
    expect(second.steps.each.items).toEqual({ total: 6, ran: 1, reused: 5, failed: 0 });
  });

  it('iterates the elements of an upstream JSON array file', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: arr
steps:
  list:
    command: [sh, -c, 'echo "[\\"a\\", 2, {\\"k\\": 1}]" > "$PW_OUTPUT_ITEMS"']
    outputs: [items]
  each:
    foreach: list.items
    command: [sh, -c, 'if [ -f "$PW_ITEM" ]; then cat "$PW_ITEM"; else echo "$PW_ITEM"; fi > "$PW_OUTPUT_OUT"']
    outputs: [out]
`,
    );
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    const dest = join(p.dir, 'gathered');
    await p.store.materialize(doc.steps.each.outputs!.out, dest);
    const got = await Promise.all(['0000', '0001', '0002'].map((n) => readFile(join(dest, n), 'utf8')));
    expect(got).toEqual(['a\n', '2\n', '{"k":1}']);
  });

  it('fails the run with a clear error when the upstream output is not a list', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: notalist
steps:
  list:
    command: [sh, -c, 'echo "not json" > "$PW_OUTPUT_ITEMS"']
    outputs: [items]
  each:
    foreach: list.items
    command: [sh, -c, 'touch "$PW_OUTPUT_OUT"']
    outputs: [out]
`,
    );
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('failed');
    expect(doc.steps.each.status).toBe('failed');
    expect(doc.steps.each.error).toMatch(/foreach over list\.items needs a directory .* or a JSON array file.*write a JSON array/);
  });

  it('an empty list gives empty gathered outputs and runs no job', async () => {
    await p.write(
      'pipeline.yaml',
      `
name: empty
parameters:
  xs: { type: list, default: [] }
steps:
  each:
    foreach: params.xs
    command: [sh, -c, 'touch "$PW_OUTPUT_OUT"']
    outputs: [out]
`,
    );
    const { doc } = await p.run(await p.load());
    expect(doc.status).toBe('succeeded');
    expect(doc.steps.each.items).toEqual({ total: 0, ran: 0, reused: 0, failed: 0 });
    expect(doc.steps.each.outputs!.out).toMatch(/^tree:sha256:/);
    expect(p.store).toBeInstanceOf(CasStore);
  });
});

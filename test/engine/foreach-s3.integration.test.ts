/**
 * A foreach over an `s3://` prefix (one item per object), end to end through the local engine against
 * s3rver on loopback: a changed object re-runs exactly its item.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRun, type EngineEvent } from '../../lib/engine';
import { loadPipeline } from '../../lib/spec';
import { createFsStore } from '../../lib/store';
import { startS3rver, type S3Server } from '../support/s3-servers';

let srv: S3Server;
let dir: string;

beforeAll(async () => {
  srv = await startS3rver('partitions');
  dir = await mkdtemp(join(tmpdir(), 'pw-foreach-s3-'));
});
afterAll(async () => {
  await srv?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('runs one item per object under the prefix, and only the changed object\'s item on a re-run', async () => {
  const client = srv.client();
  const put = (key: string, body: string) => client.send(new PutObjectCommand({ Bucket: 'partitions', Key: key, Body: body }));
  for (const [k, v] of [['day/a.csv', 'x\n'], ['day/b.csv', 'x\nx\n'], ['day/c.csv', 'x\nx\nx\n']]) await put(k, v);
  const file = join(dir, 'pipeline.yaml');
  await writeFile(
    file,
    `name: s3-foreach
steps:
  count:
    foreach: "s3://partitions/day/"
    command: [sh, -c, 'wc -l < "$PW_ITEM" | tr -d " " > "$PW_OUTPUT_N"']
    outputs: [n]
`,
  );
  const store = createFsStore(join(dir, 'store'));
  const env = { ...process.env };
  process.env.PIPEWRIGHT_S3_ENDPOINT = srv.endpoint;
  process.env.AWS_ACCESS_KEY_ID = srv.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = srv.credentials.secretAccessKey;
  try {
    const run = async () => {
      const ran: string[] = [];
      const onEvent = (e: EngineEvent) => e.type === 'item-finished' && e.status === 'ran' && ran.push(e.item);
      const doc = await startRun({ pipeline: await loadPipeline(file), store, onEvent }).result;
      return { doc, ran: ran.sort() };
    };
    const first = await run();
    expect(first.doc.status, first.doc.steps.count.error).toBe('succeeded');
    expect(first.ran).toEqual(['a.csv', 'b.csv', 'c.csv']);
    await put('day/b.csv', 'y\ny\ny\ny\ny\n');
    const second = await run();
    expect(second.ran).toEqual(['b.csv']);
    expect(second.doc.steps.count.items).toEqual({ total: 3, ran: 1, reused: 2, failed: 0 });
  } finally {
    process.env = env;
  }
});

/**
 * `uri: s3://…` inputs: copied into the store by content, remembered by (key, ETag, size), against s3rver
 * on loopback; and end to end through the local engine, where changing the object re-runs its consumer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../lib/engine';
import { NotFoundError } from '../../lib/errors';
import { loadPipeline } from '../../lib/spec/load';
import { createFsStore, createS3UriResolver, hashBytes } from '../../lib/store';
import { startS3rver, type S3Server } from '../support/s3-servers';
import { installSdkRecorder, recorded, saveRecording } from '../support/sdk-recorder';

// The lookup function's reads of uri: inputs are recorded for the IAM test (test/iam/iam.test.ts).
installSdkRecorder();
afterAll(() => {
  expect(saveRecording('lookup-uri'), 'new SDK calls: run with UPDATE_SDK_CALLS=1 and commit test/iam/__recorded__').toEqual([]);
});

let srv: S3Server;
let client: S3Client;
let dir: string;
let getObjects = 0;

beforeAll(async () => {
  srv = await startS3rver('datasets');
  client = srv.client();
  client.middlewareStack.add(
    (next, ctx) => async (args) => {
      if (ctx.commandName === 'GetObjectCommand') getObjects++;
      return next(args);
    },
    { step: 'initialize', name: 'countGets' },
  );
  dir = await mkdtemp(join(tmpdir(), 'pw-uri-'));
});

afterAll(async () => {
  await srv?.stop();
  await rm(dir, { recursive: true, force: true });
});

const put = (key: string, body: string) => client.send(new PutObjectCommand({ Bucket: 'datasets', Key: key, Body: body }));

describe('createS3UriResolver', () => {
  it('stores an object as a file artifact by content, and downloads it again only when it changes', async () => {
    const store = createFsStore(join(dir, 'store-a'));
    const resolver = createS3UriResolver(store, { client });
    const resolve: typeof resolver = (...args) => recorded('lookup', () => resolver(...args));
    await put('iris/raw.csv', 'a,b\n1,2\n');

    getObjects = 0;
    const first = await resolve('s3://datasets/iris/raw.csv', 'prepare', 'raw');
    expect(first).toBe(hashBytes('a,b\n1,2\n'));
    expect(await resolve('s3://datasets/iris/raw.csv', 'prepare', 'raw')).toBe(first);
    expect(getObjects).toBe(1); // the second resolve found the same ETag in the store's memo

    await put('iris/raw.csv', 'a,b\n3,4\n');
    expect(await resolve('s3://datasets/iris/raw.csv', 'prepare', 'raw')).toBe(hashBytes('a,b\n3,4\n'));
    expect(getObjects).toBe(2);
  });

  it('stores a prefix as a directory tree', async () => {
    const store = createFsStore(join(dir, 'store-b'));
    const resolver = createS3UriResolver(store, { client });
    const resolve: typeof resolver = (...args) => recorded('lookup', () => resolver(...args));
    await put('images/a.txt', 'A');
    await put('images/sub/b.txt', 'B');
    const ref = await resolve('s3://datasets/images/', 'train', 'images');
    expect(ref).toMatch(/^tree:sha256:[0-9a-f]{64}$/);
    const out = join(dir, 'materialized');
    await store.materialize(ref, out);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('A');
    expect(await readFile(join(out, 'sub/b.txt'), 'utf8')).toBe('B');
    // Without the trailing slash, a key with no object of its own is read as the same prefix.
    expect(await resolve('s3://datasets/images', 'train', 'images')).toBe(ref);
  });

  it('names the step, the input and the uri when nothing is there', async () => {
    const resolve = createS3UriResolver(createFsStore(join(dir, 'store-c')), { client });
    const err = await resolve('s3://datasets/nope.csv', 'prepare', 'raw').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/Step 'prepare' input 'raw': s3:\/\/datasets\/nope\.csv names no object and no objects under it/);
  });
});

describe('a pipeline with a uri: input, run by the local engine', () => {
  it('re-runs the consumer when the object changes, and reuses it when only the ETag memo is consulted', async () => {
    await put('runs/data.txt', 'v1');
    const file = join(dir, 'uri.yaml');
    await writeFile(
      file,
      `name: uri-demo
steps:
  count:
    command: [sh, -c, 'wc -c < "$PW_INPUT_DATA" > "$PW_OUTPUT_SIZE"']
    inputs: { data: { uri: s3://datasets/runs/data.txt } }
    outputs: [size]
`,
    );
    const store = createFsStore(join(dir, 'store-engine'));
    const env = { ...process.env };
    process.env.PIPEWRIGHT_S3_ENDPOINT = srv.endpoint;
    process.env.AWS_ACCESS_KEY_ID = srv.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = srv.credentials.secretAccessKey;
    try {
      const run = async () => {
        const doc = await startRun({ pipeline: await loadPipeline(file), store }).result;
        return doc.steps.count.status === 'failed' ? `failed: ${doc.steps.count.error ?? doc.error}` : doc.steps.count.status;
      };
      expect(await run()).toBe('ran');
      expect(await run()).toBe('reused');
      await put('runs/data.txt', 'v2 is longer');
      expect(await run()).toBe('ran');
    } finally {
      process.env = env;
    }
  });
});

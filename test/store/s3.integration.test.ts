import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKey, createS3Store, hashFile, openStore } from '../../lib/store';
import { motoAvailable, startMoto, startS3rver, type S3Server } from '../support/s3-servers';
import { describeStoreSuite, type StoreHarness } from './suite';

const WRITE_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand', 'CreateMultipartUploadCommand', 'CompleteMultipartUploadCommand', 'CopyObjectCommand']);

/** Counts the write requests a client sends, by command name (a middleware: the requests are real). */
function countWrites(client: S3Client, counts: Record<string, number>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      if (WRITE_COMMANDS.has(name)) counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'pipewrightCountWrites' },
  );
}

function harnessFor(server: () => S3Server, prefix: string): () => Promise<StoreHarness> {
  return async () => {
    const srv = server();
    const counts: Record<string, number> = {};
    const client = srv.client();
    countWrites(client, counts);
    // 8 MiB parts: the suite's large file goes up as a multipart upload.
    const store = createS3Store({ bucket: srv.bucket, prefix, client, partSize: 8 * 1024 * 1024 });
    const raw = srv.client();
    const key = (hash: `sha256:${string}`): string => `${prefix}/${blobKey(hash)}`;
    return {
      store,
      corrupt: async (hash, data) => {
        await raw.send(new PutObjectCommand({ Bucket: srv.bucket, Key: key(hash), Body: data }));
      },
      deleteBlob: async (hash) => {
        await raw.send(new DeleteObjectCommand({ Bucket: srv.bucket, Key: key(hash) }));
      },
      writes: () => ({ ...counts }),
      close: async () => {
        client.destroy();
        raw.destroy();
      },
    };
  };
}

describe('S3 store on s3rver', () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startS3rver();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  describeStoreSuite('S3 (s3rver)', harnessFor(() => srv, 'suite'));

  it('uploads a file larger than one part as a parallel multipart upload, and nothing for a duplicate', async () => {
    const counts: Record<string, number> = {};
    const client = srv.client();
    countWrites(client, counts);
    const store = createS3Store({ bucket: srv.bucket, prefix: 'multipart', client, partSize: 5 * 1024 * 1024, queueSize: 4 });
    const dir = await mkdtemp(join(tmpdir(), 'pw-s3-mp-'));
    try {
      const big = join(dir, 'big.bin');
      const fh = await open(big, 'w');
      for (let i = 0; i < 12; i++) await fh.write(Buffer.alloc(1 << 20, i + 1));
      await fh.close();
      const ref = await store.putPath(big);
      expect(ref).toBe(await hashFile(big));
      expect(counts.CreateMultipartUploadCommand).toBe(1);
      expect(counts.UploadPartCommand).toBe(3);
      expect(counts.PutObjectCommand ?? 0).toBe(0);
      await store.putPath(big);
      expect(counts.UploadPartCommand).toBe(3);
      await store.materialize(ref, join(dir, 'back.bin'));
      expect(await hashFile(join(dir, 'back.bin'))).toBe(ref);
    } finally {
      client.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens s3://bucket/prefix through PIPEWRIGHT_S3_ENDPOINT', async () => {
    const saved = { ...process.env };
    try {
      process.env.PIPEWRIGHT_S3_ENDPOINT = srv.endpoint;
      process.env.AWS_ACCESS_KEY_ID = srv.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = srv.credentials.secretAccessKey;
      process.env.AWS_REGION = 'us-east-1';
      const store = openStore(`s3://${srv.bucket}/via-env`);
      const hash = await store.putBytes(Buffer.from('through the env endpoint'));
      expect((await store.getBytes(hash)).toString()).toBe('through the env endpoint');
      expect(await store.list('cas/sha256/')).toEqual([`cas/sha256/${hash.slice(7)}`]);
    } finally {
      process.env = saved;
    }
  });
});

describe.skipIf(!motoAvailable())(`S3 store on moto${motoAvailable() ? '' : ' (skipped: Python moto is not installed)'}`, () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startMoto();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  // moto's multipart upload is slow (seconds per part), so its large file is 3 parts rather than 5.
  describeStoreSuite('S3 (moto)', harnessFor(() => srv, 'suite'), { largeFileMiB: 20 });
});

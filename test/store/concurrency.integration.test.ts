import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBytes, openStore, type ArtifactRef } from '../../lib/store';
import { motoAvailable, startMoto, type S3Server } from '../support/s3-servers';
import { readStepRecord } from '../../lib/protocol';

const run = promisify(execFile);
const HAMMER = fileURLToPath(new URL('./fixtures/hammer.ts', import.meta.url));
const ROUNDS = 8;

/** Runs two real `tsx` processes writing the same data into one store at once; returns their refs. */
async function hammerTwice(location: string, env: NodeJS.ProcessEnv = process.env, rounds = ROUNDS): Promise<ArtifactRef[][]> {
  const work = await mkdtemp(join(tmpdir(), 'pw-hammer-'));
  try {
    const outs = await Promise.all(
      ['a', 'b'].map((id) =>
        run(process.execPath, ['--import', 'tsx', HAMMER, location, id, String(rounds), work], { env, maxBuffer: 1 << 20 }),
      ),
    );
    return outs.map((o) => (JSON.parse(o.stdout) as { refs: ArtifactRef[] }).refs);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

describe('two processes writing one store at once', () => {
  it('both succeed on the filesystem store, which stays consistent', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pw-conc-fs-'));
    try {
      const [a, b] = await hammerTwice(root);
      expect(a).toEqual(b);
      expect(new Set(a).size).toBe(3);

      const store = openStore(root);
      for (const ref of new Set(a)) await store.verify(ref);
      // Every blob file is named by the hash of its bytes, and no temp file is left behind.
      const blobs = await readdir(join(root, 'cas/sha256'));
      for (const name of blobs) expect(hashBytes(await readFile(join(root, 'cas/sha256', name)))).toBe(`sha256:${name}`);
      expect(await readdir(join(root, 'tmp'))).toEqual([]);
      for (let i = 0; i < 3; i++) expect(await readStepRecord(store, hashBytes(`key ${i}`))).toBeDefined();
      expect((await store.list('runs/')).length).toBe(2 * ROUNDS + 1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a writer killed with SIGKILL at any point leaves only intact blobs, and the next writer succeeds', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pw-kill-fs-'));
    const work = await mkdtemp(join(tmpdir(), 'pw-kill-work-'));
    try {
      for (const delayMs of [0, 300]) {
        const child = spawn(process.execPath, ['--import', 'tsx', HAMMER, root, `k${delayMs}`, '1000', work], { stdio: 'ignore' });
        // Kill it once it is writing: after its first run document exists, plus a varying delay.
        while (!(await readdir(join(root, 'runs')).catch(() => [])).some((n) => n.startsWith(`k${delayMs}-`))) {
          expect(child.exitCode).toBeNull();
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, delayMs));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      const blobs = await readdir(join(root, 'cas/sha256')).catch(() => []);
      for (const name of blobs) expect(hashBytes(await readFile(join(root, 'cas/sha256', name)))).toBe(`sha256:${name}`);
      const [[ref]] = await hammerTwice(root, process.env, 1);
      await openStore(root).verify(ref);
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    }
  });

  // moto, not s3rver: s3rver rewrites an object file in place, so a GET racing a PUT of the same key can
  // see a torn object, which real S3 (atomic per object) never shows.
  describe.skipIf(!motoAvailable())(`on S3 (moto)${motoAvailable() ? '' : ' (skipped: Python moto is not installed)'}`, () => {
    let srv: S3Server;
    beforeAll(async () => {
      srv = await startMoto();
    });
    afterAll(async () => {
      await srv?.stop();
    });

    it('both succeed and the bucket stays consistent', async () => {
      const env = {
        ...process.env,
        PIPEWRIGHT_S3_ENDPOINT: srv.endpoint,
        AWS_ACCESS_KEY_ID: srv.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey,
        AWS_REGION: 'us-east-1',
      };
      const location = `s3://${srv.bucket}/conc`;
      const [a, b] = await hammerTwice(location, env);
      expect(a).toEqual(b);
      const store = openStore(location, { client: srv.client() });
      for (const ref of new Set(a)) await store.verify(ref);
      for (let i = 0; i < 3; i++) expect(await readStepRecord(store, hashBytes(`key ${i}`))).toBeDefined();
    });
  });
});

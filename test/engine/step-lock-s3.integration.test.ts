/**
 * Issue 8 §4, S3 stores: a step already running for the same cache key in another live process is waited for,
 * not duplicated — by a lease object written with S3 conditional writes (If-None-Match: * to create, If-Match
 * <ETag> to renew, take over and delete). AWS documents the behaviour asserted here: a conditional write whose
 * precondition fails answers 412 Precondition Failed (409 ConditionalRequestConflict when a concurrent one
 * won) and changes nothing; a conditional delete with a stale ETag fails the same way.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
 *
 * moto's S3 server honours these headers; s3rver ignores them (every write succeeds), so against s3rver
 * the engine runs unlocked and says so.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lockStep } from '../../lib/engine/step-lock';
import { leaseLock } from '../../lib/engine/lease-lock';
import { hashBytes, openStore, S3Backend } from '../../lib/store';
import { motoAvailable, startMoto, startS3rver, type S3Server } from '../support/s3-servers';
import { makeProject, type Project } from './support';

const BIN = resolve(__dirname, '../../bin/pipewright');

let p: Project;
beforeEach(async () => {
  p = await makeProject('pw-lock-s3-');
});
afterEach(async () => {
  const pid = Number((await readFile(join(p.dir, 'step.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  await p.cleanup();
});

function cli(srv: S3Server, args: string[]) {
  const env = {
    ...process.env,
    CI: '1',
    PIPEWRIGHT_STORE: '',
    PIPEWRIGHT_S3_ENDPOINT: srv.endpoint,
    AWS_ACCESS_KEY_ID: srv.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: p.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
  return { child, done };
}

async function waitForFile(path: string, what: string, ms = 30_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const text = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (text !== '') return text;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SLOW = (dir: string) => `
name: once
steps:
  slow:
    command: [sh, -c, 'echo $$ > "$DIR/step.pid"; echo ran >> "$DIR/count"; sleep 6; echo done > "$PW_OUTPUT_O"']
    env: { DIR: "${dir}" }
    outputs: [o]
`;

describe.skipIf(!motoAvailable())(`step locks on an S3 store (moto)${motoAvailable() ? '' : ' (skipped: Python moto is not installed)'}`, () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startMoto();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('a second run started while the step runs waits for it and reuses its result', async () => {
    // GIVEN a run of a slow step on s3://…, with its step running
    await p.write('pipeline.yaml', SLOW(p.dir));
    const store = `s3://${srv.bucket}/wait`;
    const first = cli(srv, ['run', 'pipeline.yaml', '--store', store, '--json']);
    await waitForFile(join(p.dir, 'count'), 'the first run to start its step');
    // WHEN a second process runs the same pipeline on the same store
    const second = await cli(srv, ['run', 'pipeline.yaml', '--store', store, '--json']).done;
    const a = await first.done;
    // THEN the step ran once: the second run waited for it (and said so) and reused its result
    expect(a.code, a.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(a.stdout).steps.slow.status).toBe('ran');
    expect(JSON.parse(second.stdout).steps.slow.status).toBe('reused');
    expect(second.stderr).toMatch(/step 'slow': waiting for pid \d+ on .*running the same step/);
    expect(await readFile(join(p.dir, 'count'), 'utf8')).toBe('ran\n');
  }, 90_000);

  it('the lock of a SIGKILLed run is taken over at once by the next run on this machine, not after the lease', async () => {
    await p.write('pipeline.yaml', SLOW(p.dir));
    const store = `s3://${srv.bucket}/killed`;
    const first = cli(srv, ['run', 'pipeline.yaml', '--store', store]);
    await waitForFile(join(p.dir, 'count'), 'the first run to start its step');
    first.child.kill('SIGKILL');
    await first.done;
    // The lease (30 s) has not run out, but its holder's pid is gone: the next run takes the lock at once.
    const t0 = Date.now();
    const next = await cli(srv, ['run', 'pipeline.yaml', '--store', store, '--json']).done;
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout).steps.slow.status).toBe('ran');
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(next.stderr).not.toMatch(/waiting for/);
  }, 90_000);

  it('a live holder keeps its lease by its heartbeat; a silent one from another machine is taken over after the lease, by one waiter only', async () => {
    const objects = new S3Backend({ bucket: srv.bucket, prefix: 'lease', client: srv.client() }).conditional;
    // GIVEN a holder with a 600 ms lease that stays alive for 2.5 s
    const holder = await leaseLock(objects, 'locks/a.lock', { leaseMs: 600 });
    expect(holder.waited).toBe(false);
    setTimeout(() => void holder.release(), 2500);
    // WHEN another holder asks, THEN it waits through four leases' worth of time, and gets it on release
    const t0 = Date.now();
    const waiter = await leaseLock(objects, 'locks/a.lock', { leaseMs: 600, pollMs: 50 });
    expect(waiter.waited).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    await waiter.release();

    // GIVEN a lease written by a process on another machine that never renews it
    const client = srv.client();
    const body = JSON.stringify({ host: 'another-machine', pid: 4242, token: 'x', leaseMs: 600, beat: 0 });
    await client.send(new PutObjectCommand({ Bucket: srv.bucket, Key: 'lease/locks/b.lock', Body: body, IfNoneMatch: '*' }));
    client.destroy();
    // WHEN two waiters want it at once
    const t1 = Date.now();
    const one = leaseLock(objects, 'locks/b.lock', { leaseMs: 600, pollMs: 50 });
    const two = leaseLock(objects, 'locks/b.lock', { leaseMs: 600, pollMs: 50 });
    // THEN one takes it over after the lease ran out; the other keeps waiting while the winner holds it
    const first = await Promise.race([one.then(() => 'one'), two.then(() => 'two')]);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(550);
    const winner = first === 'one' ? await one : await two;
    const loser = first === 'one' ? two : one;
    let loserDone = false;
    void loser.then(() => (loserDone = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(loserDone).toBe(false);
    await winner.release();
    const late = await loser;
    expect(late.waited).toBe(true);
    await late.release();
  }, 60_000);
});

describe('step locks on a server that ignores conditional writes (s3rver)', () => {
  let srv: S3Server;
  beforeAll(async () => {
    srv = await startS3rver();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('runs unlocked and warns once, instead of trusting a lock that does not exclude', async () => {
    const store = openStore(`s3://${srv.bucket}/ignored`, { client: srv.client() });
    const warnings: string[] = [];
    const lock = await lockStep(store, hashBytes('a key'), { onWarning: (m) => warnings.push(m) });
    expect(lock).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/does not honour S3 conditional writes.*not locked/);
    // Nothing is left behind by the probe.
    expect(await store.list('locks/')).toEqual([]);
  });
});

describe('step locks when S3 refuses them', () => {
  it('a lock that cannot be taken (here: nothing listens) warns and lets the step run, never fails it', async () => {
    const client = new S3Client({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const store = openStore('s3://unreachable/prefix', { client });
    const warnings: string[] = [];
    const lock = await lockStep(store, hashBytes('a key'), { onWarning: (m) => warnings.push(m) });
    expect(lock).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not check S3 conditional writes at s3:\/\/unreachable\/prefix\/locks\/ .*not locked.*s3:PutObject/);
    client.destroy();
  });
});

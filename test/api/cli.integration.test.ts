/**
 * `pipewright trigger | status | cancel` as real subprocesses against a real `serve` (in-process), unsigned on
 * loopback and SigV4-signed against `--auth sigv4`; and `pipewright serve` itself as a subprocess.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../lib/serve';
import { alive, eventually, http, serveForTest, tempDir, waitForRun, writeTestPipelines } from './support';

const BIN = resolve(__dirname, '../../bin/pipewright');

let tmp: { dir: string; cleanup: () => Promise<void> };
let files: { quick: string; slow: string; failing: string };
let server: RunningServer;
let signedServer: RunningServer;
const CREDS = { accessKeyId: 'AKIDPIPEWRIGHTTEST', secretAccessKey: 'test-secret-key' };

/** An environment with no AWS credentials anywhere (no files, no metadata service). */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k === 'PIPEWRIGHT_API') delete env[k];
  return {
    ...env,
    AWS_CONFIG_FILE: join(tmp.dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp.dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CI: '1',
    ...extra,
  };
}

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI asynchronously (the server under test lives in this process, so never spawnSync). */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = bareEnv()): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  tmp = await tempDir();
  files = await writeTestPipelines(tmp.dir);
  server = await serveForTest([files.quick, files.slow, files.failing], join(tmp.dir, 'store'));
  signedServer = await serveForTest([files.quick], join(tmp.dir, 'store'), { sigv4Credentials: CREDS, schedules: false });
});

afterAll(async () => {
  await server?.close();
  await signedServer?.close();
  await tmp?.cleanup();
});

describe('trigger, status and cancel against serve (unsigned on loopback)', () => {
  it('trigger --wait runs to success with progress on stderr; exit 0', async () => {
    const r = await cli(['trigger', 'quick', '--api', server.url, '--param', 'label=cli', '--param', 'epochs=3', '--wait', '--poll-interval', '200']);
    expect(r.stderr).toMatch(/no AWS credentials found; sending unsigned requests/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/prepare: (ran|reused)/);
    expect(r.stdout).toMatch(/run \S+ of quick: succeeded/);
    expect(r.stdout).toMatch(/train\s+(ran|reused).*loss=0.25/);
  });

  it('trigger --json prints the 202 body; status --json prints the run document; an idempotency key repeats the run', async () => {
    const t = await cli(['trigger', 'quick', '--api', server.url, '--param', 'label=json', '--idempotency-key', 'cli-key', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const started = JSON.parse(t.stdout);
    expect(started.statusUrl).toBe(`${server.url}/pipelines/quick/runs/${started.runId}`);
    await waitForRun(server.url, 'quick', started.runId);
    const s = await cli(['status', 'quick', started.runId, '--api', server.url, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const doc = JSON.parse(s.stdout);
    expect(doc).toMatchObject({ runId: started.runId, pipeline: 'quick', status: 'succeeded', parameters: { label: 'json', epochs: 10 } });
    const again = await cli(['trigger', 'quick', '--api', server.url, '--param', 'label=json', '--idempotency-key', 'cli-key']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(started.runId);
    expect(again.stderr).toMatch(/Existing run/);
  });

  it('exits 2 listing every problem for bad parameters, and for an unknown pipeline', async () => {
    const bad = await cli(['trigger', 'quick', '--api', server.url, '--param', 'epochs=many', '--param', 'colour=red']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HTTP 400/);
    expect(bad.stderr).toMatch(/"epochs": expected a whole number/);
    expect(bad.stderr).toMatch(/unknown parameter "colour"/);
    expect(bad.stderr).toMatch(/"label" is required/);
    const unknown = await cli(['status', 'nope', 'x', '--api', server.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/HTTP 404: No pipeline named 'nope'/);
  });

  it('trigger --wait exits 1 when the run fails', async () => {
    const r = await cli(['trigger', 'failing', '--api', server.url, '--wait', '--poll-interval', '200']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken\s+failed/);
    expect(r.stdout).toMatch(/downstream\s+skipped/);
    expect(r.stderr).toMatch(/failed/);
  });

  it('cancel stops a running run and kills its step; cancelling it again exits 2 (409)', async () => {
    const t = await cli(['trigger', 'slow', '--api', server.url]);
    expect(t.code, t.stderr).toBe(0);
    const runId = t.stdout.trim();
    const pid = await eventually(
      async () => Number((await readFile(join(tmp.dir, 'slow.pid'), 'utf8').catch(() => '')).trim()) || undefined,
      30_000,
      'the slow step to start',
    );
    await eventually(() => (alive(pid) ? true : undefined), 10_000, 'the step to be alive');
    const c = await cli(['cancel', 'slow', runId, '--api', server.url]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(new RegExp(`run ${runId} of slow: (cancelling|cancelled)`));
    expect((await waitForRun(server.url, 'slow', runId)).status).toBe('cancelled');
    await eventually(() => (alive(pid) ? undefined : true), 10_000, 'the step process to exit');
    const again = await cli(['cancel', 'slow', runId, '--api', server.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/HTTP 409: Run '.*' already finished with status cancelled/);
  });

  it('exits 2 for bad arguments before sending anything', async () => {
    const noApi = await cli(['trigger', 'quick']);
    expect(noApi.code).toBe(2);
    expect(noApi.stderr).toMatch(/--api <url> is required/);
    const badVersion = await cli(['trigger', 'quick', '--api', server.url, '--version', 'two']);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toMatch(/--version: expected a positive whole number/);
  });
});

describe('SigV4 against serve --auth sigv4', () => {
  it('accepts requests signed with the default credential chain and rejects bad or missing signatures', async () => {
    // GIVEN credentials in the environment (the first link of the default chain)
    const signed = bareEnv({ AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_REGION: 'eu-west-1' });
    // WHEN / THEN a signed trigger runs to success
    const ok = await cli(['trigger', 'quick', '--api', signedServer.url, '--param', 'label=signed', '--wait', '--poll-interval', '200'], signed);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/unsigned/);
    // AND a wrong secret is rejected with 403 (exit 2)
    const wrong = await cli(['status', 'quick', 'x', '--api', signedServer.url], { ...signed, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/HTTP 403: The request signature does not match/);
    // AND an unsigned request is rejected
    const unsigned = await http(signedServer.url, 'GET', '/pipelines');
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.error).toMatch(/not signed/);
  });
});

describe('pipewright serve (subprocess)', () => {
  it('prints its URL, serves the API, and on SIGTERM cancels active runs and exits 0', async () => {
    // GIVEN
    const child = spawn(BIN, ['serve', '--port', '0', '--store', join(tmp.dir, 'serve-store'), files.quick, files.slow], {
      env: bareEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    try {
      const url = await eventually(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1], 60_000, `serve to listen (stderr: ${stderr})`);
      // WHEN a long run is active
      const list = await http(url, 'GET', '/pipelines');
      expect(list.body.pipelines.map((p: any) => p.name)).toEqual(['quick', 'slow']);
      const pidFile = join(tmp.dir, 'slow.pid');
      const before = await readFile(pidFile, 'utf8').catch(() => '');
      const run = await http(url, 'POST', '/pipelines/slow/runs', {});
      expect(run.status).toBe(202);
      const pid = await eventually(
        async () => {
          const text = (await readFile(pidFile, 'utf8').catch(() => '')).trim();
          return text && text !== before.trim() ? Number(text) : undefined;
        },
        30_000,
        'the slow step to start',
      );
      child.kill('SIGTERM');
      // THEN
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: stopping \(cancelling 1 active run\(s\)\)/);
      await eventually(() => (alive(pid) ? undefined : true), 10_000, 'the step process to exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

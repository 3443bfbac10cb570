/**
 * The integration test's committed snapshot (test/integ/integ.iris.ts.snapshot/, the cloud assembly
 * integ-tests-alpha produces: the stack under test and the assertion stack) matches a fresh synth of
 * test/integ/integ.iris.ts: offline, without AWS credentials or Docker. A change to what would be deployed
 * shows as a reviewed snapshot diff (`npm run integ:snapshot`), as in the aws-cdk repository.
 *
 * Asset hashes are masked (they change with any byte of a bundle, as integ-runner's default diffAssets: false),
 * and so are the assertions' salts (a timestamp integ-tests-alpha adds so assertions re-run on every deploy).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SNAPSHOT = join(import.meta.dirname, 'integ.iris.ts.snapshot');
const work = mkdtempSync(join(tmpdir(), 'pw-integ-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A template with asset hashes masked. */
function normalized(file: string): unknown {
  const text = readFileSync(file, 'utf8').replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset>');
  return JSON.parse(text, (key, value: unknown) => (key === 'salt' ? undefined : value));
}

function synth(outdir: string): Promise<{ code: number | null; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, AWS_EC2_METADATA_DISABLED: 'true' };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
  return new Promise((done) => {
    const child = spawn('npx', ['tsx', 'test/integ/integ.iris.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => done({ code, err }));
  });
}

describe('the integration test snapshot', () => {
  it('matches a fresh offline synth of test/integ/integ.iris.ts', async () => {
    const out = join(work, 'out');
    const res = await synth(out);
    expect(res.code, res.err).toBe(0);
    const templates = readdirSync(SNAPSHOT).filter((f) => f.endsWith('.template.json')).sort();
    expect(templates).toEqual(readdirSync(out).filter((f) => f.endsWith('.template.json')).sort());
    expect(templates).toEqual(['IrisDefaultTestDeployAssertAD7749E9.template.json', 'PipewrightInteg.template.json']);
    for (const t of templates) {
      expect(normalized(join(out, t)), `${t} differs from the snapshot: run npm run integ:snapshot and review the diff`).toEqual(normalized(join(SNAPSHOT, t)));
    }
    const integ = JSON.parse(readFileSync(join(SNAPSHOT, 'integ.json'), 'utf8'));
    expect(Object.keys(integ.testCases)).toEqual(['Iris/DefaultTest']);
  }, 300_000);
});

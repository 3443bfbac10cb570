/**
 * The real `npx cdk synth` of bin/app.ts with aws-cdk-lib's built-in template validation and cdk-nag on, no
 * AWS credentials and no Docker; definition errors stop it before synthesis; file paths given to
 * `PublishedPipeline` are prepared in a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelinePlatform, PublishedPipeline, preparePipeline } from '../../lib/constructs';
import { resolveParameters } from '../../lib/spec';
import { fastApp } from './support';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pw-synth-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment without AWS credentials or profiles, so nothing could reach AWS. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(k)) delete env[k];
  delete env.CDK_VALIDATION; // the built-in validation stays on
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
}

/** Runs `npx cdk synth` into a fresh output directory (async: a long synchronous wait would stall vitest's worker). */
function cdkSynth(outdir: string, ...args: string[]): Promise<{ status: number | null; stderr: string }> {
  rmSync(outdir, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...args], {
      cwd: ROOT,
      env: offlineEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('npx cdk synth', () => {
  it('synthesizes the app with every pipeline in pipelines/ (validation and cdk-nag on, offline)', async () => {
    const outdir = join(work, 'ok.out');
    const res = await cdkSynth(outdir);
    expect(res.status, `${res.stderr}`).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'Pipewright.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::StepFunctions::StateMachine', 'AWS::StepFunctions::StateMachineAlias', 'AWS::Scheduler::Schedule']));
    expect(res.stderr).not.toMatch(/AwsSolutions-/);
    // Lambda code was bundled locally by esbuild, without Docker, and the bundle runs: the lookup function
    // decides against the manifest the deployment stages (read from the store it is pointed at).
    const fn = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>).find(
      (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.FunctionName ?? '').includes('-lookup'),
    )!;
    const bundle = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
    const prepared = await preparePipeline(join(ROOT, 'pipelines/iris.yaml'));
    process.env.PIPEWRIGHT_STORE = prepared.stagingDir;
    const { handler } = await import(bundle);
    const result = await handler({
      s: 'prepare',
      i: { p: resolveParameters(prepared.ir, {}), n: false, m: prepared.manifestHash, x: 'arn:aws:states:r:1:execution:sm:run-1' },
    });
    expect(result).toMatchObject({ step: 'prepare', run: true });
  }, 400_000);

  it('prints every definition problem and exits non-zero before synthesis', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'name: Bad Name\nsteps:\n  a:\n    command: []\n');
    const outdir = join(work, 'bad.out');
    const res = await cdkSynth(outdir, '-c', `pipelines=${bad}`);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/bad\.yaml/);
    expect(res.stderr).toMatch(/nothing was synthesized/);
    expect(existsSync(join(outdir, 'Pipewright.template.json'))).toBe(false);
  }, 300_000);
});

describe('PublishedPipeline given a file path', () => {
  it('prepares it in a child process', () => {
    const stack = new Stack(fastApp(), 'Path');
    const platform = new PipelinePlatform(stack, 'Platform');
    const pp = new PublishedPipeline(stack, 'Iris', { platform, pipeline: join(ROOT, 'examples/iris/pipeline.yaml') });
    expect(pp.ir.name).toBe('iris');
    Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachineAlias', 1);
  });

  it('reports the definition problems of a bad file as a DefinitionError', () => {
    const bad = join(work, 'bad-child.yaml');
    writeFileSync(bad, 'name: ok\nsteps:\n  a:\n    command: [node]\n    retries: 99\n');
    const stack = new Stack(fastApp(), 'Path');
    const platform = new PipelinePlatform(stack, 'Platform');
    expect(() => new PublishedPipeline(stack, 'Bad', { platform, pipeline: bad })).toThrow(
      expect.objectContaining({ name: 'DefinitionError', message: expect.stringMatching(/bad-child\.yaml.*retries/) }),
    );
  });
});

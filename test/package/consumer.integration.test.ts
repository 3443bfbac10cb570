/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh project (from the local npm
 * cache), then the CLI, plain Node imports, a `.ts` pipeline in a CommonJS folder, `tsc` under NodeNext and
 * bundler resolution, and a CDK app that synthesizes — all against the installed copy, never the sources.
 *
 * dist/ is built by the integration suite's global setup (test/support/build-dist.ts), so `npm pack` runs
 * without its prepack build here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pw-consumer-'));
const project = join(work, 'project');
let packed: { filename: string; files: { path: string }[] };

/** The version this repository's lockfile installed, so that the consumer's install comes from the npm cache. */
function lockedVersion(pkg: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in the project (async: a long synchronous wait would stall vitest's worker). */
function sh(cmd: string, args: readonly string[], cwd = project): Promise<Result> {
  const env = { ...process.env, PIPEWRIGHT_STORE: undefined, npm_config_yes: 'true' };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function ok(r: Result): string {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const YAML = `name: hello
parameters:
  greeting: { type: string, default: hi }
steps:
  hello:
    command: [sh, -c, 'echo "$PW_PARAM_GREETING" > "$PW_OUTPUT_OUT"']
    params: [greeting]
    outputs: [out]
  shout:
    command: [sh, -c, 'tr a-z A-Z < "$PW_INPUT_TEXT" > "$PW_OUTPUT_LOUD"']
    inputs: { text: hello.out }
    outputs: [loud]
`;

const DSL = `import { param, pipeline } from 'pipewright';
import { command } from './lib/shout';

const p = pipeline('hello-ts', { parameters: { greeting: param.string({ default: 'hi' }) } });
const hello = p.step('hello', { command: ['sh', '-c', 'echo "$PW_PARAM_GREETING" > "$PW_OUTPUT_OUT"'], params: ['greeting'], outputs: ['out'] });
p.step('shout', { command: command(), inputs: { text: hello.outputs.out }, outputs: ['loud'] });
export default p;
`;

const TYPO = `import { param, pipeline } from 'pipewright';

const p = pipeline('typo', { parameters: { epochs: param.integer({ default: 3 }) } });
const train = p.step('train', { command: ['true'], outputs: ['model'] });
p.step('evaluate', { command: ['true'], inputs: { model: train.outputs.modle } });
p.step('tune', { command: ['true'], params: ['epohcs'] });
export default p;
`;

const CDK_APP = `import { App } from 'aws-cdk-lib';
import { PipewrightStack, PublishedPipeline, preparePipeline } from 'pipewright/constructs';

const app = new App({ outdir: 'cdk.out' });
const stack = new PipewrightStack(app, 'Consumer', { pipelines: [await preparePipeline('pipeline.yaml')] });
// A file path: prepared synchronously in the package's compiled child process.
new PublishedPipeline(stack, 'HelloTs', { platform: stack.platform, pipeline: 'pipeline.ts' });
app.synth();
`;

beforeAll(async () => {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  packed = JSON.parse(out)[0];
  mkdirSync(join(project, 'lib'), { recursive: true });
  // No "type": "module": a CommonJS project, as `npm init` makes it.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  const deps = ['typescript', 'aws-cdk-lib', 'constructs', '@types/node'].map((p) => `${p}@${lockedVersion(p)}`);
  ok(await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed.filename), ...deps]));
  writeFileSync(join(project, 'pipeline.yaml'), YAML);
  writeFileSync(join(project, 'pipeline.ts'), DSL);
  writeFileSync(join(project, 'lib', 'shout.ts'), "export const command = (): string[] => ['sh', '-c', 'tr a-z A-Z < \"$PW_INPUT_TEXT\" > \"$PW_OUTPUT_LOUD\"'];\n");
  writeFileSync(join(project, 'typo.ts'), TYPO);
  const base = { strict: true, noEmit: true, skipLibCheck: false, types: ['node'] };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['pipeline.ts', 'typo.ts'] }));
  writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...base, module: 'preserve', moduleResolution: 'bundler' }, files: ['pipeline.ts', 'typo.ts'] }));
  writeFileSync(join(project, 'app.mjs'), CDK_APP);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package, installed from its tarball', () => {
  it('ships the compiled code, declarations and CLI only, and shares the app’s aws-cdk-lib', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/pipewright', 'dist/index.js', 'dist/constructs.js', 'dist/cli.js', 'dist/types/index.d.ts', 'dist/lambdas/lookup/index.mjs']));
    const unwanted = files.filter((f) => /^(test|lib|lambdas|examples|bench|\.ci)\/|__golden__|eslint|vitest|tsconfig|\.ts$/.test(f) && !f.endsWith('.d.ts'));
    expect(unwanted).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/pipewright/package.json'), 'utf8'));
    expect(Object.keys(manifest.peerDependencies)).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.dependencies).not.toHaveProperty('aws-cdk-lib');
    expect(existsSync(join(project, 'node_modules/pipewright/node_modules/aws-cdk-lib'))).toBe(false);
  });

  it('`npx pipewright run` runs a YAML pipeline, and a re-run reuses every step', async () => {
    const first = JSON.parse(ok(await sh('npx', ['pipewright', 'run', 'pipeline.yaml', '--store', 'store-yaml', '--param', 'greeting=hello', '--json'])));
    expect(first.status).toBe('succeeded');
    const again = JSON.parse(ok(await sh('npx', ['pipewright', 'run', 'pipeline.yaml', '--store', 'store-yaml', '--param', 'greeting=hello', '--json'])));
    expect(Object.values(again.steps).map((s) => (s as { status: string }).status)).toEqual(['reused', 'reused']);
    ok(await sh('npx', ['pipewright', 'get', first.runId, 'shout.loud', 'loud.txt', '--store', 'store-yaml']));
    expect(readFileSync(join(project, 'loud.txt'), 'utf8')).toBe('HELLO\n');
  });

  it('imports from plain Node: ES module and CommonJS', async () => {
    const script = "const p = pipeline('x'); p.step('a', { command: ['true'], outputs: ['o'] }); console.log(JSON.stringify(p.toDescriptor()));";
    writeFileSync(join(project, 'esm.mjs'), `import { pipeline } from 'pipewright';\n${script}\n`);
    writeFileSync(join(project, 'cjs.cjs'), `const { pipeline } = require('pipewright');\n${script}\n`);
    const expected = { name: 'x', steps: { a: { command: ['true'], outputs: ['o'] } } };
    expect(JSON.parse(ok(await sh('node', ['esm.mjs'])))).toEqual(expected);
    expect(JSON.parse(ok(await sh('node', ['cjs.cjs'])))).toEqual(expected);
  });

  it('runs and type-checks a .ts pipeline in a folder without "type": "module"', async () => {
    const doc = JSON.parse(ok(await sh('npx', ['pipewright', 'run', 'pipeline.ts', '--store', 'store-ts', '--json'])));
    expect(doc.status).toBe('succeeded');
    expect(ok(await sh('npx', ['pipewright', 'validate', 'pipeline.ts']))).toBe('pipeline.ts: OK (2 steps, type-checked)\n');
  });

  it.each([
    ['NodeNext', 'tsconfig.json'],
    ['bundler', 'tsconfig.bundler.json'],
  ])('type-checks DSL pipelines under %s: a misspelt output reference or parameter name fails', async (_, config) => {
    // GIVEN a project whose tsconfig checks a correct pipeline and one with two typos
    const r = await sh('npx', ['tsc', '-p', config]);
    // THEN the typos, and nothing else, are errors
    expect(r.status).not.toBe(0);
    const errors = r.stdout.split('\n').filter((l) => /error TS/.test(l));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^typo\.ts\(5,\d+\): error TS2551: Property 'modle' does not exist .* Did you mean 'model'\?/);
    expect(errors[1]).toMatch(/^typo\.ts\(6,\d+\): error TS2322: Type '"epohcs"' is not assignable to type '"epochs"'/);
  });

  it('`pipewright validate` reports type errors as file:line:col with the TypeScript message', async () => {
    const r = await sh('npx', ['pipewright', 'validate', 'typo.ts']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^typo\.ts:5:\d+: TS2551: Property 'modle' does not exist/m);
    expect(r.stderr).toMatch(/^typo\.ts:6:\d+: TS2322: Type '"epohcs"' is not assignable/m);
    // …and the run-time check says the same as for YAML, with a "did you mean".
    expect(r.stderr).toMatch(/steps\.evaluate\.inputs\.model: step "train" has no output "modle".*Did you mean "model"\?/);
  });

  it('synthesizes a CDK app (plain Node, node_modules not transpiled) that imports pipewright/constructs', async () => {
    ok(await sh('node', ['app.mjs']));
    const template = JSON.parse(readFileSync(join(project, 'cdk.out', 'Consumer.template.json'), 'utf8'));
    const resources = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>);
    expect(resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(2);
    const fns = resources.filter((r) => r.Type === 'AWS::Lambda::Function' && /^pw-/.test(r.Properties.FunctionName ?? ''));
    expect(fns.map((f) => f.Properties.Handler)).toEqual(['index.handler', 'index.handler']);
    // The pre-built Lambda bundles are the assets, and they load.
    for (const fn of fns) {
      const asset = join(project, 'cdk.out', `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      expect(readdirSync(asset)).toEqual(['index.mjs']);
      const loaded = await sh('node', ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(asset, 'index.mjs'))}); console.log(typeof m.handler);`]);
      expect(ok(loaded).trim()).toBe('function');
    }
  });
});

#!/usr/bin/env node
/**
 * Builds the npm package into `dist/` from the TypeScript sources as they are (`npm run build`; run by
 * `prepare` and `prepack`).
 *
 * - JavaScript: one esbuild pass over the public entry points (each `exports` subpath of package.json:
 *   `.` → `lib/index.ts`, `./x` → `lib/x/index.ts`), the CLI (`lib/cli/main.ts`) and every child-process
 *   entry (`lib/**\/*-child.ts`), ES modules with shared chunks (so `instanceof DefinitionError` holds across
 *   entry points) and every package left external.
 * - Lambda assets: each `lambdas/*.ts` bundled with its dependencies into `dist/lambdas/<name>/index.mjs`, the
 *   same way `NodejsFunction` bundles it from the sources, so a CDK app synthesizes without esbuild or Docker.
 * - Declarations: `tsc --emitDeclarationOnly` into `dist/types`, then relative specifiers made explicit
 *   (`./spec` → `./spec/index.js`) so consumers type-check under `moduleResolution` NodeNext and bundler.
 *
 * Entry points are derived from package.json and globs, so moving internal files needs no change here.
 * `--js` builds only the JavaScript (what the CLI and `npm run bench:local` need; about a second).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Every file under `dir` (relative to ROOT) whose name passes `keep`. */
function walk(dir, keep) {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(rel, keep));
    else if (keep(e.name)) out.push(rel);
  }
  return out;
}

/** `{ outName: sourceFile }` for esbuild: the exports map, the CLI and the child-process entries. */
function packageEntryPoints() {
  const entries = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const js = typeof target === 'string' ? target : target.default;
    if (!js.startsWith('./dist/')) continue;
    const source = subpath === '.' ? 'lib/index.ts' : `lib/${subpath.slice(2)}/index.ts`;
    entries[js.slice('./dist/'.length).replace(/\.js$/, '')] = source;
  }
  entries.cli = 'lib/cli/main.ts';
  for (const child of walk('lib', (n) => n.endsWith('-child.ts'))) entries[basename(child, '.ts')] = child;
  for (const [name, source] of Object.entries(entries)) {
    if (!existsSync(join(ROOT, source))) throw new Error(`build: entry point "${name}" expects ${source}, which does not exist`);
  }
  return entries;
}

/**
 * Packages bundled into dist/ instead of imported at run time, with the imports of theirs we never use stubbed
 * (they stay dependencies: the sources and the tests import them).
 *
 * The local interpreter imports a Lambda client, credential providers and a JSON-schema validator at load
 * time (a quarter second); the engine replaces every Task with a local handler and runs without the
 * interpreter's validation, so none of them is needed to run a pipeline.
 */
const BUNDLED = {
  'aws-local-stepfunctions': ['@aws-sdk/client-lambda', '@aws-sdk/credential-providers', 'asl-validator'],
  // Dozens of CommonJS files each, found and compiled one by one on every start; one chunk loads faster.
  yaml: [],
  commander: [],
};
const REQUIRE_BANNER = "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);";
const STUB = 'export default undefined; export const LambdaClient = undefined, InvokeCommand = undefined, fromCognitoIdentityPool = undefined;';

/** Leaves every package external except those in BUNDLED (and their own dependencies, minus the stubs). */
const externalsPlugin = {
  name: 'externals',
  setup(b) {
    const bare = /^[^./]/;
    const stubbed = new Set(Object.values(BUNDLED).flat());
    b.onResolve({ filter: bare }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const inPackage = args.importer.includes(`${join('node_modules', '')}`);
      if (inPackage && stubbed.has(args.path)) return { path: args.path, namespace: 'stub' };
      if (inPackage || args.path in BUNDLED) return undefined;
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: STUB, loader: 'js' }));
  },
};

async function buildJs() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: packageEntryPoints(),
    outdir: DIST,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externalsPlugin],
    // The CommonJS packages bundled above call require() for Node built-ins.
    banner: { js: REQUIRE_BANNER },
    sourcemap: false,
    logLevel: 'warning',
  });
}

/** The Lambda functions, bundled like `bundling()` in lib/constructs/pipeline-platform.ts does at synth time. */
async function buildLambdas() {
  for (const file of walk('lambdas', (n) => n.endsWith('.ts'))) {
    await build({
      absWorkingDir: ROOT,
      entryPoints: [file],
      outfile: join(DIST, 'lambdas', basename(file, '.ts'), 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      mainFields: ['module', 'main'],
      minify: true,
      banner: { js: REQUIRE_BANNER },
      logLevel: 'warning',
    });
  }
}

/** `./x` → `./x.js` or `./x/index.js`, whichever declaration exists next to `fromFile`. */
function explicit(fromFile, spec) {
  if (!spec.startsWith('.') || /\.(js|mjs|cjs|json)$/.test(spec)) return spec;
  const base = resolve(dirname(fromFile), spec);
  if (existsSync(`${base}.d.ts`)) return `${spec}.js`;
  if (existsSync(join(base, 'index.d.ts'))) return `${spec.replace(/\/$/, '')}/index.js`;
  throw new Error(`build: ${relative(ROOT, fromFile)} refers to "${spec}", which has no declaration file`);
}

function buildTypes() {
  const out = join(DIST, 'types');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`build: tsc exited with ${res.status}`);
  const pattern = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.[^'"]*)\2/g;
  for (const file of walk(relative(ROOT, out), (n) => n.endsWith('.d.ts'))) {
    const abs = join(ROOT, file);
    const text = readFileSync(abs, 'utf8');
    const fixed = text
      .split('\n')
      .map((line) => (/^\s*(\*|\/\/|\/\*)/.test(line) ? line : line.replace(pattern, (_, lead, q, spec) => `${lead}${q}${explicit(abs, spec)}${q}`)))
      .join('\n');
    if (fixed !== text) writeFileSync(abs, fixed);
  }
}

/** The web UI's browser app, with the options of lib/ui/assets.ts (UI_BUILD_OPTIONS), into dist/ui/ where `serve` looks. */
async function buildUi() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['lib/ui/app/main.ts'],
    outdir: join(DIST, 'ui'),
    entryNames: 'app',
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}

const jsOnly = process.argv.includes('--js');
const t0 = performance.now();
if (!jsOnly) rmSync(DIST, { recursive: true, force: true });
else rmSync(join(DIST, 'chunks'), { recursive: true, force: true }); // chunk names carry content hashes
await buildJs();
await buildUi();
if (!jsOnly) {
  await buildLambdas();
  buildTypes();
}
const files = existsSync(DIST) ? walk('dist', () => true).length : 0;
process.stderr.write(`build: dist/ ready (${files} files, ${jsOnly ? 'JavaScript only, ' : ''}${Math.round(performance.now() - t0)} ms)\n`);

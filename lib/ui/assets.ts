/**
 * The UI's built assets (`app.js`, `app.css`): read from `dist/ui/` of the package (written by `npm run build`
 * and `npm run build:ui`), or bundled in memory with esbuild from `lib/ui/app/` when working from a checkout
 * whose build is missing or older than the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors';

/** The bundled browser app. */
export interface UiAssets {
  readonly js: string;
  readonly css: string;
}

/** The esbuild options of the browser app, shared by `npm run build`, `npm run build:ui` and the in-memory bundle. */
export const UI_BUILD_OPTIONS = { bundle: true, minify: true, format: 'iife', target: ['es2022'], legalComments: 'none' } as const;

/**
 * The package's root: the nearest folder above this module whose package.json is pipewright's (this module
 * may run from lib/ui/ in a checkout or from a chunk under dist/ once compiled).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'pipewright') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`Cannot find pipewright's package.json above ${fileURLToPath(import.meta.url)}.`);
    dir = up;
  }
}

/** Where the built assets go and are looked for. */
export function uiDistDir(): string {
  return join(packageRoot(), 'dist', 'ui');
}

/** Bundles `lib/ui/app/main.ts` with esbuild (a devDependency: present in a checkout, not in an installed package). */
export async function bundleUi(): Promise<UiAssets> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UsageError("The web UI is not built and esbuild is not installed; run 'npm run build:ui' in the pipewright checkout.");
  }
  const result = await esbuild.build({
    ...UI_BUILD_OPTIONS,
    target: [...UI_BUILD_OPTIONS.target],
    entryPoints: [join(packageRoot(), 'lib', 'ui', 'app', 'main.ts')],
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: file('.js'), css: file('.css') };
}

let cached: Promise<UiAssets> | undefined;

/** Newest modification time of the app's sources; 0 when they are not here (an installed package). */
async function sourcesMtime(): Promise<number> {
  const dir = join(packageRoot(), 'lib', 'ui', 'app');
  try {
    const files = await readdir(dir, { recursive: true });
    const times = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).mtimeMs));
    return Math.max(0, ...times);
  } catch {
    return 0;
  }
}

/** The assets, read or built once per process (a build older than the sources beside it is rebuilt in memory). */
export function loadUiAssets(): Promise<UiAssets> {
  cached ??= (async () => {
    const dir = uiDistDir();
    try {
      const built = (await stat(join(dir, 'app.js'))).mtimeMs;
      if (built < (await sourcesMtime())) return await bundleUi();
      const [js, css] = await Promise.all([readFile(join(dir, 'app.js'), 'utf8'), readFile(join(dir, 'app.css'), 'utf8')]);
      return { js, css };
    } catch {
      return bundleUi();
    }
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

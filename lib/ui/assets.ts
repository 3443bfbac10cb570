/**
 * The UI's built assets (`app.js`, `app.css`): read from `dist/` beside this module (built by
 * `npm run build:ui`), or bundled in memory with esbuild from `app/` when working from a checkout.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors';

/** The bundled browser app. */
export interface UiAssets {
  readonly js: string;
  readonly css: string;
}

/** Bundles `app/main.ts` with esbuild (a devDependency: present in a checkout, not in an installed package). */
export async function bundleUi(): Promise<UiAssets> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new UsageError("The web UI is not built and esbuild is not installed; run 'npm run build:ui' in the pipewright checkout.");
  }
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./app/main.ts', import.meta.url))],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: file('.js'), css: file('.css') };
}

let cached: Promise<UiAssets> | undefined;

/** Newest modification time of the app's sources; 0 when they are not here (an installed package). */
async function sourcesMtime(): Promise<number> {
  const dir = fileURLToPath(new URL('./app/', import.meta.url));
  try {
    const files = await readdir(dir, { recursive: true });
    const times = await Promise.all(files.map(async (f) => (await stat(`${dir}/${f}`)).mtimeMs));
    return Math.max(0, ...times);
  } catch {
    return 0;
  }
}

/** The assets, read or built once per process (a `dist/` older than the sources beside it is rebuilt in memory). */
export function loadUiAssets(): Promise<UiAssets> {
  cached ??= (async () => {
    const dir = new URL('./dist/', import.meta.url);
    try {
      const built = (await stat(new URL('app.js', dir))).mtimeMs;
      if (built < (await sourcesMtime())) return await bundleUi();
      const [js, css] = await Promise.all([readFile(new URL('app.js', dir), 'utf8'), readFile(new URL('app.css', dir), 'utf8')]);
      return { js, css };
    } catch {
      return bundleUi();
    }
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

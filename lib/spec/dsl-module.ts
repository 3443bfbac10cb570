/**
 * Imports a DSL module and returns its default export; TypeScript is compiled with esbuild on the way in.
 */
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** Extensions Node cannot import without compiling them first. */
const TYPESCRIPT = /\.(ts|mts|cts)$/i;

/** Whether this process already imports TypeScript (the sources under tsx or vitest). */
function loadsTypeScript(): boolean {
  return import.meta.url.endsWith('.ts');
}

/** TypeScript sources that are compiled into the bundle (anything else is imported by Node as it is). */
const TS_SOURCE = /\.(ts|mts|cts|tsx)$/i;

/**
 * Bundles only the pipeline's own TypeScript files; every JavaScript file, package and built-in stays an
 * import (by absolute URL, so that the bundle imports it from anywhere), loaded by Node as usual.
 */
const importJavaScript: Plugin = {
  name: 'pipewright-import-javascript',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
      if (r.errors.length > 0) return { errors: r.errors };
      // Local TypeScript (including what a tsconfig `paths` entry maps a bare name to) is compiled in.
      if (TS_SOURCE.test(r.path) && !r.path.includes(`${sep}node_modules${sep}`)) return { path: r.path };
      return { path: pathToFileURL(r.path).href, external: true };
    });
    // Each compiled file keeps its own import.meta.url (the bundle itself has none worth knowing).
    build.onLoad({ filter: TS_SOURCE }, async (args) => {
      const url = pathToFileURL(args.path).href;
      const text = (await readFile(args.path, 'utf8'))
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(url))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)));
      return { contents: text, loader: /x$/i.test(args.path) ? 'tsx' : 'ts' };
    });
  },
};

/**
 * Compiles a TypeScript module and the local TypeScript it imports into one ES module (packages and
 * JavaScript files stay imports).
 *
 * Always an ES module, whatever the folder's `"type"`: a `.ts` file next to a CommonJS package.json loads the
 * same way as one in an ES-module package, and no TypeScript loader is registered in this process.
 */
async function compileTypeScript(source: string): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [source],
    absWorkingDir: dirname(source),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'inline',
    logLevel: 'silent',
    plugins: [importJavaScript],
  });
  return result.outputFiles[0].text;
}

/** The default export of the module at `source` (an absolute path). */
export async function importDefault(source: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  if (TYPESCRIPT.test(source) && !loadsTypeScript()) {
    const code = await compileTypeScript(source);
    mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  } else {
    mod = (await import(pathToFileURL(source).href)) as Record<string, unknown>;
  }
  return mod.default;
}

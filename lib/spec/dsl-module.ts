/**
 * Imports a DSL module and returns its default export; TypeScript is compiled with esbuild on the way in.
 */
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

/** Leaves packages and built-ins external, by absolute URL so that the bundle imports them from anywhere. */
const externalPackages: Plugin = {
  name: 'pipewright-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
      if (r.errors.length > 0) return { errors: r.errors };
      // A tsconfig `paths` entry may map a bare name to TypeScript sources: those are bundled like local files.
      if (/\.[mc]?tsx?$/.test(r.path) && !r.path.includes(`${sep}node_modules${sep}`)) return { path: r.path };
      return { path: pathToFileURL(r.path).href, external: true };
    });
  },
};

/**
 * Compiles a TypeScript module and the local modules it imports into one ES module (packages stay imports).
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
    plugins: [externalPackages],
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

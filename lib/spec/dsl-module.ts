/**
 * Imports a DSL module and returns its default export, loading TypeScript through tsx only when needed.
 */
import { pathToFileURL } from 'node:url';

/** Extensions Node cannot import without a TypeScript loader. */
const TYPESCRIPT = /\.(ts|mts|cts)$/i;

/** Whether this process already imports TypeScript (the sources under tsx or vitest). */
function loadsTypeScript(): boolean {
  return import.meta.url.endsWith('.ts');
}

/**
 * The default export of the module at `source` (an absolute path).
 *
 * A `.ts` file goes through tsx's `tsImport`, scoped to this one import, so it works whatever the folder's
 * module type: in a folder without `"type": "module"` tsx compiles it to CommonJS, whose `export default`
 * arrives as `exports.default`.
 */
export async function importDefault(source: string): Promise<unknown> {
  const url = pathToFileURL(source).href;
  let mod: Record<string, unknown>;
  if (TYPESCRIPT.test(source) && !loadsTypeScript()) {
    const { tsImport } = await import('tsx/esm/api');
    mod = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } else {
    mod = (await import(url)) as Record<string, unknown>;
  }
  return unwrapCommonJs(mod.default);
}

/** `module.exports` of a transpiled ES module is `{ __esModule, default }`; the pipeline is its `default`. */
function unwrapCommonJs(exported: unknown): unknown {
  if (typeof exported !== 'object' || exported === null || 'toDescriptor' in exported || !('default' in exported)) return exported;
  const inner = (exported as { default: unknown }).default;
  const transpiled = Object.prototype.hasOwnProperty.call(exported, '__esModule');
  const isPipeline = typeof inner === 'object' && inner !== null && 'toDescriptor' in inner;
  return transpiled || isPipeline ? inner : exported;
}

/**
 * Loads a pipeline definition file of any supported kind into the validated IR.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { DefinitionError, UsageError } from '../errors';
import type { PipelineIR } from '../ir';
import { importDefault } from './dsl-module';
import { parseSpec } from './parse';
import { validateDefinition } from './validate';

/** File extensions of spec files (YAML/JSON). */
export const SPEC_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** File extensions of DSL modules (their default export is the pipeline). */
export const DSL_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** Anything with a `toDescriptor()` method, such as the DSL's `Pipeline`. */
interface DescriptorSource {
  toDescriptor(): unknown;
}

function isDescriptorSource(v: unknown): v is DescriptorSource {
  return typeof v === 'object' && v !== null && typeof (v as DescriptorSource).toDescriptor === 'function';
}

/**
 * Loads `.yaml`/`.yml`/`.json` specs and `.ts`/`.mts`/`.js`/`.mjs` DSL modules (default export).
 *
 * @throws UsageError when the file is missing or has an unsupported extension
 * @throws DefinitionError listing every problem in the definition
 */
export async function loadPipeline(file: string): Promise<PipelineIR> {
  const source = resolve(file);
  const ext = extname(file).toLowerCase();
  const known = [...SPEC_EXTENSIONS, ...DSL_EXTENSIONS] as readonly string[];
  if (!known.includes(ext)) {
    throw new UsageError(
      `${file}: unsupported definition file extension "${ext || '(none)'}"; expected one of ${known.join(', ')}`,
    );
  }
  try {
    const st = await stat(source);
    if (!st.isFile()) throw new UsageError(`${file}: is not a file; give the path of a pipeline definition`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: no such file (looked at ${source}); check the path`);
  }
  if ((SPEC_EXTENSIONS as readonly string[]).includes(ext)) {
    return parseSpec(await readFile(source, 'utf8'), file, { source, format: ext === '.json' ? 'json' : 'yaml' });
  }
  let exported: unknown;
  try {
    exported = await importDefault(source);
  } catch (err) {
    if (err instanceof DefinitionError || err instanceof UsageError) throw err;
    throw new DefinitionError([
      { file, path: '', message: `the module failed to load: ${(err as Error)?.message ?? String(err)}; fix the error in the module` },
    ]);
  }
  if (exported === undefined) {
    throw new DefinitionError([
      { file, path: '', message: 'the module has no default export; end it with `export default p` where p = pipeline(...)' },
    ]);
  }
  const descriptor = isDescriptorSource(exported) ? exported.toDescriptor() : exported;
  return validateDefinition(descriptor, { file, source });
}

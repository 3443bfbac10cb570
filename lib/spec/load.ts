/**
 * Loads a pipeline definition file of any supported kind into the validated IR.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { DefinitionError, UsageError, pathUsageError } from '../errors';
import type { PipelineIR } from '../ir';
import { importDefault } from './dsl-module';
import { parseSpec } from './parse';
import { validateDefinition } from './validate';

/** File extensions of spec files (YAML/JSON). */
export const SPEC_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** File extensions of DSL modules (their default export is the pipeline). */
export const DSL_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** The largest definition file accepted: 8 MiB (the largest generated 1,000-step pipelines are under 1 MiB). */
export const MAX_DEFINITION_BYTES = 8 * 1024 * 1024;

/**
 * A spec file's bytes as text: at most MAX_DEFINITION_BYTES, strict UTF-8 (the first bad line is named), a
 * leading byte-order mark dropped.
 */
export function decodeDefinition(bytes: Buffer, file: string): string {
  if (bytes.length > MAX_DEFINITION_BYTES) {
    throw new DefinitionError([
      { file, path: '', message: `the file is ${bytes.length} bytes; definitions may be at most ${MAX_DEFINITION_BYTES} bytes (8 MiB); split the pipeline or move data into path: inputs` },
    ]);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          decoder.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line++;
        start = i + 1;
      }
    }
    throw new DefinitionError([{ file, path: '', line, message: 'the text is not valid UTF-8; save the file as UTF-8' }]);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

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
  if (file === '') throw new UsageError('the definition path is empty; give the path of a pipeline definition, e.g. pipeline.yaml');
  if (file.includes('\0')) throw new UsageError(`${JSON.stringify(file)}: the definition path contains a NUL byte, which no file name may hold; check the path`);
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
    // A "file" of the kernel's (a link into /proc or /sys) can block a read forever.
    if (/^\/(proc|sys)(\/|$)/.test(await realpath(source))) {
      throw new UsageError(`${file}: is a file of the kernel's /proc or /sys filesystem, not a definition; give the path of a pipeline definition`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${file}: no such file (looked at ${source}); check the path`);
    throw pathUsageError(err, file, 'check the path of the pipeline definition');
  }
  if ((SPEC_EXTENSIONS as readonly string[]).includes(ext)) {
    return parseSpec(decodeDefinition(await readFile(source), file), file, { source, format: ext === '.json' ? 'json' : 'yaml' });
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

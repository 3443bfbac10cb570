/**
 * Parses spec text (YAML or JSON) into the validated IR.
 */
import { resolve } from 'node:path';
import { DefinitionError } from '../errors';
import type { PipelineIR } from '../ir';
import { parseSource, type SourceFormat } from './source';
import { validateDefinition } from './validate';

/** Options for `parseSpec`. */
export interface ParseSpecOptions {
  /** The text format. @default - 'json' for a `.json` file name, else 'yaml' */
  readonly format?: SourceFormat;
  /** Absolute path used as the IR `source` and to resolve relative paths. @default - `file` resolved against the current directory */
  readonly source?: string;
}

/**
 * Parses and validates definition text; `file` names it in messages.
 *
 * @throws DefinitionError listing every syntax or validation problem with its line.
 */
export function parseSpec(text: string, file: string, opts: ParseSpecOptions = {}): PipelineIR {
  const format = opts.format ?? (/\.json$/i.test(file) ? 'json' : 'yaml');
  const parsed = parseSource(text, file, format);
  if (parsed.problems.length > 0) throw new DefinitionError(parsed.problems);
  return validateDefinition(parsed.value, { file, source: opts.source ?? resolve(file), lineOf: parsed.lineOf });
}

/**
 * The named placeholders of a compiled definition (`${Manifest}`, `${QueueGpu}`, ...) and their substitution.
 *
 * CDK fills them with `definitionSubstitutions`; the local engine with `substitute`.
 */
import { pascalCase } from '../ir';

export { pascalCase } from '../ir';

/** The hash of the pipeline manifest blob. */
export const MANIFEST_PLACEHOLDER = 'Manifest';
/** The ARN of the lookup function. */
export const LOOKUP_PLACEHOLDER = 'LookupFunction';

const PLACEHOLDER = /\$\{([A-Za-z0-9]+)\}/g;


/** The placeholder name of a job queue: `QueueCpu`, `QueueGpu`, `Queue<PascalName>`. */
export function queuePlaceholder(queue: string): string {
  return `Queue${pascalCase(queue)}`;
}

/** Every distinct placeholder name in a text, sorted. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();
}

/**
 * Fills every `${Name}` in a rendered definition with `values[Name]` (JSON-string-escaped).
 *
 * Throws when the text uses a placeholder that `values` lacks, naming all of them.
 */
export function substitute(definitionJson: string, values: Readonly<Record<string, string>>): string {
  const missing = placeholdersIn(definitionJson).filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0) {
    throw new Error(
      `substitute: no value for placeholder(s) ${missing.map((m) => '${' + m + '}').join(', ')}; ` +
        `expected a value for every name in the compiled pipeline's placeholders; pass them in values`,
    );
  }
  return definitionJson.replace(PLACEHOLDER, (_, name: string) => JSON.stringify(values[name]).slice(1, -1));
}

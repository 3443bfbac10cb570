/**
 * The naming rule for pipelines, steps, outputs, inputs, parameters, queues and schedules.
 *
 * Names must be usable unchanged as Step Functions state names, Batch job names, CloudFormation logical
 * ids (after PascalCasing) and environment-variable suffixes, so the rule is deliberately narrow.
 */
import { envSuffix } from '../ir';

export { envSuffix, pascalCase } from '../ir';

/** Every name: a lower-case letter, then up to 62 lower-case letters, digits, `_` or `-`. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/** The rule in words, for messages and docs. */
export const NAME_RULE =
  'a lower-case letter followed by at most 62 lower-case letters, digits, "_" or "-", e.g. "train_model"';

/** Environment variable names a step may set in `env`. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Prefix reserved for the variables Pipewright sets for a step (`PW_INPUT_X`, `PW_PARAMS`, ...). */
export const RESERVED_ENV_PREFIX = 'PW_';

/** Whether `name` follows the naming rule. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}



/** Why a name breaks the rule, or undefined when it is fine. */
export function nameProblem(name: string, what: string): string | undefined {
  if (isValidName(name)) return undefined;
  const fixed = suggestName(name);
  const fix = fixed ? `; rename it, e.g. to "${fixed}"` : '; rename it';
  return `invalid ${what} name "${name}": expected ${NAME_RULE}${fix}`;
}

/** A close valid name for an invalid one (lower-cased, other characters as `_`), or undefined. */
export function suggestName(name: string): string | undefined {
  let s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 63);
  s = s.replace(/_+$/, '');
  return NAME_PATTERN.test(s) ? s : undefined;
}

/**
 * Pairs of names in one scope whose environment-variable suffixes collide (e.g. `a-b` and `a_b`).
 *
 * Returns, for each later name that clashes, the earlier name it clashes with.
 */
export function envSuffixClashes(names: Iterable<string>): Array<{ readonly name: string; readonly clashesWith: string }> {
  const seen = new Map<string, string>();
  const clashes: Array<{ name: string; clashesWith: string }> = [];
  for (const name of names) {
    const suffix = envSuffix(name);
    const earlier = seen.get(suffix);
    if (earlier !== undefined) clashes.push({ name, clashesWith: earlier });
    else seen.set(suffix, name);
  }
  return clashes;
}

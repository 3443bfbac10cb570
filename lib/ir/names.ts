/**
 * How IR names are spelled elsewhere: as environment-variable suffixes and in PascalCase.
 *
 * One definition, shared by validation (which checks that no two names clash), the runner (which sets
 * `PW_INPUT_<X>` and friends) and the compiler and constructs (placeholders, construct ids).
 */

/** The environment-variable suffix of a name: upper-cased, every non-alphanumeric character as `_`. */
export function envSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The PascalCase form of a name (`big-mem` → `BigMem`), as used in placeholders such as `${QueueBigMem}`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

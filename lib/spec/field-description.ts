/**
 * A small declarative description of a definition's keys and types.
 *
 * One table (see `field-table.ts`) drives both the structural validation (`structure.ts`) and the
 * generated JSON Schema (`schema.ts`), so the two cannot drift apart.
 */

interface FieldBase {
  /** One sentence for docs, the schema's `description` and messages. */
  readonly doc: string;
  /** A short example value in YAML, used in "fix" hints (e.g. `command: [node, train.mjs]`). */
  readonly example?: string;
  /** Default value, shown in docs and the schema. @default - none */
  readonly default?: unknown;
  /** Default in words when it depends on other keys (docs only). @default - none */
  readonly defaultDoc?: string;
}

/** How the keys of a `map` field are checked. */
export type KeyRule = 'name' | 'env';

/** A key or value description. */
export type Field =
  | (FieldBase & {
      readonly kind: 'string';
      readonly pattern?: RegExp;
      /** The only allowed values. @default - any string */
      readonly values?: readonly string[];
      readonly expected?: string;
    })
  | (FieldBase & { readonly kind: 'integer'; readonly minimum?: number; readonly maximum?: number })
  | (FieldBase & { readonly kind: 'number' })
  | (FieldBase & { readonly kind: 'boolean' })
  /** A string, number or boolean kept as is (parameter values). */
  | (FieldBase & { readonly kind: 'scalar' })
  /** A string, number or boolean converted to a string (env values, command arguments). */
  | (FieldBase & { readonly kind: 'text' })
  /** A timeout: whole seconds or a duration string such as `1h30m`. */
  | (FieldBase & { readonly kind: 'duration' })
  | (FieldBase & { readonly kind: 'literal'; readonly value: string | number })
  | (FieldBase & {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Field>>;
      readonly required?: readonly string[];
    })
  /** A mapping from names (checked by `keys`) to values of one description. */
  | (FieldBase & { readonly kind: 'map'; readonly keys: KeyRule; readonly what: string; readonly values: Field })
  | (FieldBase & { readonly kind: 'list'; readonly items: Field; readonly minItems?: number; readonly unique?: boolean })
  /** One of several shapes; `pick` chooses the variant for a value (undefined: none fits). */
  | (FieldBase & {
      readonly kind: 'union';
      readonly variants: readonly Field[];
      readonly pick: (value: unknown) => number | undefined;
      readonly expected: string;
    });

/** The kind of a field. */
export type FieldKind = Field['kind'];

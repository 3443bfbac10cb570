/**
 * Generates the JSON Schema of spec v1 (`schema/pipeline.schema.json`) from the field table.
 */
import type { Field } from './field-description';
import { ENV_NAME_PATTERN, RESERVED_ENV_PREFIX } from './names';
import { PIPELINE_FIELD } from './field-table';
import { MIN_TIMEOUT_SECONDS } from './duration';

/** The `$id` of the committed schema. */
export const SCHEMA_ID = 'https://pipewright.dev/schema/pipeline.schema.json';

type Schema = Record<string, unknown>;

function withDoc(field: Field, schema: Schema): Schema {
  const out: Schema = { description: field.doc, ...schema };
  if (field.default !== undefined) out.default = field.default;
  return out;
}

/** The JSON Schema (draft-07) of one field. */
export function fieldSchema(field: Field): Schema {
  switch (field.kind) {
    case 'string': {
      const s: Schema = { type: 'string', minLength: 1 };
      if (field.pattern) s.pattern = field.pattern.source;
      if (field.values) s.enum = [...field.values];
      return withDoc(field, s);
    }
    case 'integer': {
      const s: Schema = { type: 'integer' };
      if (field.minimum !== undefined) s.minimum = field.minimum;
      if (field.maximum !== undefined) s.maximum = field.maximum;
      return withDoc(field, s);
    }
    case 'number':
      return withDoc(field, { type: 'number' });
    case 'boolean':
      return withDoc(field, { type: 'boolean' });
    case 'scalar':
    case 'text':
      return withDoc(field, { type: ['string', 'number', 'boolean'] });
    case 'duration':
      return withDoc(field, {
        anyOf: [
          { type: 'integer', minimum: MIN_TIMEOUT_SECONDS },
          { type: 'string', pattern: '^(\\d+|(?=\\d)(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?)$' },
        ],
      });
    case 'literal':
      return withDoc(field, { const: field.value });
    case 'object': {
      const properties: Schema = {};
      for (const [k, f] of Object.entries(field.fields)) properties[k] = fieldSchema(f);
      const s: Schema = { type: 'object', properties, additionalProperties: false };
      if (field.required?.length) s.required = [...field.required];
      return withDoc(field, s);
    }
    case 'map': {
      const keyPattern =
        field.keys === 'name' ? '^[a-z][a-z0-9_-]{0,62}$' : `^(?!${RESERVED_ENV_PREFIX})${ENV_NAME_PATTERN.source.slice(1)}`;
      return withDoc(field, {
        type: 'object',
        propertyNames: { pattern: keyPattern },
        additionalProperties: fieldSchema(field.values),
      });
    }
    case 'list': {
      const s: Schema = { type: 'array', items: fieldSchema(field.items) };
      if (field.minItems !== undefined) s.minItems = field.minItems;
      if (field.unique) s.uniqueItems = true;
      return withDoc(field, s);
    }
    case 'union':
      return withDoc(field, { anyOf: field.variants.map(fieldSchema) });
  }
}

/** The whole spec v1 JSON Schema object. */
export function pipelineJsonSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'Pipewright pipeline (spec v1)',
    ...fieldSchema(PIPELINE_FIELD),
  };
}

/** The schema as the committed file's text (2-space JSON plus a final newline). */
export function renderPipelineSchema(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}

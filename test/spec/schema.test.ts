/**
 * The committed JSON Schema is exactly what the field table generates, and it accepts the examples.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PIPELINE_FIELD, renderPipelineSchema, type Field } from '../../lib/spec';

const SCHEMA_PATH = new URL('../../schema/pipeline.schema.json', import.meta.url);

describe('schema/pipeline.schema.json', () => {
  it('matches the generator (run `npm run schema` after changing lib/spec/field-table.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderPipelineSchema());
  });

  it('lists every top-level and step key the validator accepts', () => {
    const schema = JSON.parse(renderPipelineSchema());
    expect(Object.keys(schema.properties)).toEqual([
      '$schema', 'version', 'name', 'description', 'root', 'parameters', 'defaults', 'queues', 'steps', 'finally', 'schedules',
    ]);
    expect(schema.required).toEqual(['name', 'steps']);
    const step = schema.properties.steps.additionalProperties;
    expect(step.required).toEqual(['command']);
    expect(step.additionalProperties).toBe(false);
    expect(step.properties.retries).toMatchObject({ type: 'integer', minimum: 0, maximum: 9, default: 0 });
  });

  it('has patterns that agree with the validator on the iris example', () => {
    const schema = JSON.parse(renderPipelineSchema());
    const iris = parse(readFileSync(new URL('../../examples/iris/pipeline.yaml', import.meta.url), 'utf8'));
    const namePattern = new RegExp(schema.properties.steps.propertyNames.pattern);
    for (const name of Object.keys(iris.steps)) expect(name).toMatch(namePattern);
    const timeout = schema.properties.defaults.properties.timeout.anyOf[1];
    for (const t of ['1h', '30m', '1h30m', '90s', '2d', '3600']) expect(t).toMatch(new RegExp(timeout.pattern));
    for (const t of ['', 'h', '30m1h', '1.5h']) expect(t).not.toMatch(new RegExp(timeout.pattern));
    const input = schema.properties.steps.additionalProperties.properties.inputs.additionalProperties.anyOf[0];
    expect('prepare.train').toMatch(new RegExp(input.pattern));
  });
});

describe('docs/spec.md', () => {
  it('documents every key of the field table', () => {
    const doc = readFileSync(new URL('../../docs/spec.md', import.meta.url), 'utf8');
    const keys = new Set<string>();
    const walk = (f: Field): void => {
      if (f.kind === 'object') {
        for (const [k, sub] of Object.entries(f.fields)) {
          keys.add(k);
          walk(sub);
        }
      }
      if (f.kind === 'map') walk(f.values);
      if (f.kind === 'list') walk(f.items);
      if (f.kind === 'union') f.variants.forEach(walk);
    };
    walk(PIPELINE_FIELD);
    const missing = [...keys].filter((k) => !doc.includes(`\`${k}\``) && !doc.includes(`.${k}\``) && !doc.includes(`{ ${k}:`));
    expect(missing).toEqual([]);
  });
});

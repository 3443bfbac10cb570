/**
 * The iris example exists as YAML and as a DSL module; both compile to the same IR.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import irisDsl from '../../examples/iris/pipeline';
import { loadPipeline } from '../../lib/spec';

const YAML_FILE = fileURLToPath(new URL('../../examples/iris/pipeline.yaml', import.meta.url));
const DSL_FILE = fileURLToPath(new URL('../../examples/iris/pipeline.ts', import.meta.url));

describe('iris in both forms', () => {
  it('compiles to identical IR (except source)', async () => {
    // GIVEN the YAML and the DSL twin
    const fromYaml = await loadPipeline(YAML_FILE);
    const fromDsl = await loadPipeline(DSL_FILE);
    // THEN the IR is the same, to the key order
    expect(fromDsl.source).toBe(DSL_FILE);
    expect(fromYaml.source).toBe(YAML_FILE);
    const strip = (ir: object): string => JSON.stringify({ ...ir, source: undefined });
    expect(strip(fromDsl)).toBe(strip(fromYaml));
    expect({ ...fromDsl, source: '' }).toEqual({ ...fromYaml, source: '' });
  });

  it('has the IR the issue describes', async () => {
    const ir = await loadPipeline(YAML_FILE);
    expect(Object.keys(ir.steps)).toEqual(['prepare', 'train', 'evaluate', 'register']);
    expect(ir.steps.train.compute).toEqual({ vcpus: 2, memory: 4096, gpus: 1, queue: 'gpu' });
    expect(ir.steps.train).toMatchObject({ retries: 2, timeoutSeconds: 1800, params: ['epochs', 'learning_rate'] });
    expect(ir.steps.evaluate).toMatchObject({ retries: 1, timeoutSeconds: 3600, compute: { vcpus: 1, memory: 2048, gpus: 0, queue: 'cpu' } });
    expect(ir.steps.register.after).toEqual(['evaluate']);
    expect(ir.schedules.nightly).toEqual({
      name: 'nightly',
      expression: 'cron(0 3 * * ? *)',
      timezone: 'Europe/Berlin',
      parameters: { learning_rate: 0.5, epochs: 500, min_accuracy: 0.9, split: 'stratified' },
    });
  });

  it('pipelines/iris.yaml (what the CDK app deploys) is the same pipeline', async () => {
    const deployed = await loadPipeline(fileURLToPath(new URL('../../pipelines/iris.yaml', import.meta.url)));
    const example = await loadPipeline(YAML_FILE);
    expect({ ...deployed, source: '' }).toEqual({ ...example, source: '' });
  });

  it('the DSL descriptor is the parsed YAML object', () => {
    const yamlObject = parse(readFileSync(YAML_FILE, 'utf8'));
    expect(irisDsl.toDescriptor()).toEqual(yamlObject);
  });
});

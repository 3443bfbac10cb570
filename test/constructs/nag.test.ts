/**
 * cdk-nag's AwsSolutions pack on the synthesized app: no unacknowledged finding, and every acknowledgement
 * gives a specific reason.
 */
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PipewrightStack, preparePipeline } from '../../lib/constructs';
import { makeIr } from '../compiler/fixtures';
import { fastApp, synthStack } from './support';

const IRIS = join(import.meta.dirname, '../../examples/iris/pipeline.yaml');

let stack: PipewrightStack;
let synthError: unknown;

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) out.push({ path: c.node.path, id, reason });
    }
  }
  return out;
}

beforeAll(async () => {
  const app = fastApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Two pipelines (one on an extra queue) so per-pipeline findings on shared roles are covered too.
  const pipelines = [await preparePipeline(IRIS), await preparePipeline(makeIr([{ name: 'a', deps: [], queue: 'bigmem' }], 'other'))];
  try {
    ({ stack } = synthStack({ pipelines }, app));
    app.synth();
  } catch (err) {
    synthError = err;
  }
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding (synthesis with the pack succeeds)', () => {
    expect(synthError).toBeUndefined();
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges each finding on the construct it concerns, with a specific reason', () => {
    const acks = acknowledgements(stack).filter((a) => a.id.includes('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(10);
    for (const a of acks) {
      expect(a.path, a.id).not.toBe(stack.node.path); // never a stack-wide acknowledgement
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    }
  });
});

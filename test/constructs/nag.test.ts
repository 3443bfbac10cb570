/**
 * cdk-nag's AwsSolutions pack on the synthesized app: no unacknowledged finding, and every acknowledgement
 * gives a specific reason.
 */
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PipewrightStack, preparePipeline } from '../../lib/constructs';
import { makeIr } from '../compiler/fixtures';
import { fastApp, roleStatements, synthStack } from './support';

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
  // The second also reads a uri: input, which grants the lookup function read access to that prefix.
  // And it has a finally-step: the stopped-run rule, its role, queue and policy are checked too.
  const other = makeIr([{ name: 'a', deps: [], queue: 'bigmem' }, { name: 'notify', deps: [] }], 'other');
  const withUri = {
    ...other,
    steps: {
      a: { ...other.steps.a, inputs: { data: { kind: 'uri' as const, uri: 's3://datasets/raw/', bucket: 'datasets', key: 'raw/' } } },
      notify: { ...other.steps.notify, final: true },
    },
  };
  const pipelines = [await preparePipeline(IRIS), await preparePipeline(withUri)];
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

  it("lets the lookup function read only the objects under a pipeline's uri: inputs", () => {
    const template = Template.fromStack(stack);
    const statements = roleStatements(template).map((s) => JSON.stringify(s.statement));
    expect(statements.filter((s) => s.includes('s3:::datasets'))).toEqual([
      expect.stringMatching(/"Action":"s3:GetObject".*s3:::datasets\/raw\/\*/),
      expect.stringMatching(/"Action":"s3:ListBucket","Condition":\{"StringLike":\{"s3:prefix":\["raw\/\*"\]\}\}.*s3:::datasets"/),
    ]);
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

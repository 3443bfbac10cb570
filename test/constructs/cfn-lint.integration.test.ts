/**
 * cfn-lint (AWS's CloudFormation linter, built on the CloudFormation resource schemas) on every synthesized
 * template: zero errors, and each warning either fixed or listed below with its reason.
 *
 * Python's cfn-lint is preinstalled on the development machines and `.ci/run` installs it; where it is missing
 * the test says so and skips, unless PIPEWRIGHT_REQUIRE_CFN_LINT=1 (set by `.ci/run`) makes that a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { preparePipeline } from '../../lib/constructs';
import { makeIr } from '../compiler/fixtures';
import { synthStack } from './support';

const IRIS = join(import.meta.dirname, '../../examples/iris/pipeline.yaml');
const work = mkdtempSync(join(tmpdir(), 'pw-cfnlint-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Warnings we keep, each with why (rule id → reason). */
const ACCEPTED_WARNINGS: Record<string, string> = {
  W3005: "aws-cdk-lib adds DependsOn on a Lambda's or state machine's role next to its GetAtt; redundant, harmless",
  W3010:
    'An offline synth of a stack with a concrete account and region gets placeholder AZs from CDK (no lookup); ' +
    '`cdk deploy` looks the real AZs up and records them in cdk.context.json',
  W3011:
    'Job definitions and state machine versions are retained on replacement only (UpdateReplacePolicy), so the retained ' +
    'state machine versions keep working after a deploy; deleting the stack deletes them like everything else',
};

function cfnLint(): { cmd: string; args: string[] } | undefined {
  for (const [cmd, args] of [
    ['cfn-lint', []],
    ['python3', ['-m', 'cfnlint.runner']],
  ] as const) {
    const probe = spawnSync(cmd, [...args, '--version'], { encoding: 'utf8' });
    if (probe.status === 0) return { cmd, args: [...args] };
  }
  return undefined;
}

const linter = cfnLint();
const required = process.env.PIPEWRIGHT_REQUIRE_CFN_LINT === '1';

describe('cfn-lint', () => {
  it.runIf(!linter && required)('is installed (PIPEWRIGHT_REQUIRE_CFN_LINT=1)', () => {
    expect(linter, 'cfn-lint is required here: pip install cfn-lint').toBeDefined();
  });

  it.skipIf(!linter)('finds no error, and only accepted warnings, in the synthesized templates', async () => {
    // GIVEN the iris stack and one with an extra queue, a uri: input, a finally-step (the stopped-run rule) and no schedules
    const other = makeIr([{ name: 'a', deps: [], queue: 'bigmem' }, { name: 'notify', deps: [] }], 'other');
    const withUri = {
      ...other,
      steps: {
        a: { ...other.steps.a, inputs: { data: { kind: 'uri' as const, uri: 's3://datasets/raw/', bucket: 'datasets', key: 'raw/' } } },
        notify: { ...other.steps.notify, final: true },
      },
    };
    const stacks = [
      synthStack({ pipelines: [await preparePipeline(IRIS)] }).stack,
      synthStack({ pipelines: [await preparePipeline(withUri)], platform: { apiGatewayCloudWatchRole: false } }).stack,
    ];
    const files = stacks.map((s, i) => {
      const file = join(work, `template-${i}.json`);
      writeFileSync(file, JSON.stringify(Template.fromStack(s).toJSON()));
      return file;
    });
    // WHEN cfn-lint checks them
    const res = spawnSync(linter!.cmd, [...linter!.args, '--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const matches = JSON.parse(res.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Location: { Path: unknown[] } }>;
    // THEN no error, and every warning is one we accept for a stated reason
    const show = (m: (typeof matches)[number]) => `${m.Rule.Id} ${m.Location.Path.slice(0, 3).join('.')}: ${m.Message}`;
    expect(matches.filter((m) => m.Level === 'Error').map(show)).toEqual([]);
    expect(matches.filter((m) => m.Level === 'Warning' && !(m.Rule.Id in ACCEPTED_WARNINGS)).map(show)).toEqual([]);
  }, 180_000);
});

/**
 * Valid definitions: the IR they produce, with every default applied.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DefinitionError } from '../../lib/errors';
import { DEFAULT_IMAGE } from '../../lib/spec';
import { makeWorkspace, parseIn, problemsOf } from './support';

describe('valid definitions', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeWorkspace();
  });

  it('keeps a secret\'s source under secrets and its customer-managed KMS key under secretKeys', () => {
    // GIVEN one secret in the short form and one with the KMS key that encrypts it
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const ir = parseIn(
      dir,
      `name: sec\nsteps:\n  a:\n    command: [x]\n    secrets:\n      TOKEN: "ssm:/ml/token"\n      DB: { from: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", kmsKey: "${key}" }\n`,
    );
    // THEN the IR has both sources, and the key of the one that declared it
    expect(ir.steps.a.secrets).toEqual({ DB: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db', TOKEN: 'ssm:/ml/token' });
    expect(ir.steps.a.secretKeys).toEqual({ DB: key });
  });

  it('applies the built-in defaults when the file gives none', () => {
    // GIVEN the smallest valid pipeline
    const ir = parseIn(dir, 'name: tiny\nsteps:\n  only:\n    command: [echo, hi]\n');
    // THEN every default is applied
    expect(ir).toEqual({
      version: 1,
      name: 'tiny',
      parameters: {},
      steps: {
        only: {
          name: 'only',
          command: ['echo', 'hi'],
          image: DEFAULT_IMAGE,
          env: {},
          inputs: {},
          params: [],
          outputs: [],
          after: [],
          compute: { vcpus: 1, memory: 2048, gpus: 0, queue: 'cpu' },
          retries: 0,
          timeoutSeconds: 3600,
          cache: true,
        },
      },
      queues: { cpu: { name: 'cpu', gpu: false }, gpu: { name: 'gpu', gpu: true } },
      schedules: {},
      source: join(dir, 'pipeline.yaml'),
    });
  });

  it('inherits defaults per field and lets the step override each', () => {
    const ir = parseIn(
      dir,
      `name: inherit
defaults:
  image: img:1
  compute: { vcpus: 2, memory: 1024, queue: bigmem }
  retries: 3
  timeout: 1h30m
  env: { A: "1", B: two }
  cache: false
queues:
  bigmem: { gpu: false }
  fastgpu: { gpu: true }
steps:
  a:
    command: [x]
  b:
    command: [x, 1, true]
    image: img:2
    env: { B: three, C: 4 }
    compute: { memory: 8192, gpus: 2, queue: fastgpu }
    retries: 0
    timeout: 600
    cache: true
    cacheVersion: 7
`,
    );
    expect(ir.steps.a).toMatchObject({
      image: 'img:1',
      env: { A: '1', B: 'two' },
      compute: { vcpus: 2, memory: 1024, gpus: 0, queue: 'bigmem' },
      retries: 3,
      timeoutSeconds: 5400,
      cache: false,
    });
    expect(ir.steps.a.cacheVersion).toBeUndefined();
    expect(ir.steps.b).toMatchObject({
      command: ['x', '1', 'true'],
      image: 'img:2',
      env: { A: '1', B: 'three', C: '4' },
      compute: { vcpus: 2, memory: 8192, gpus: 2, queue: 'fastgpu' },
      retries: 0,
      timeoutSeconds: 600,
      cache: true,
      cacheVersion: '7',
    });
    expect(ir.queues).toEqual({
      cpu: { name: 'cpu', gpu: false },
      gpu: { name: 'gpu', gpu: true },
      bigmem: { name: 'bigmem', gpu: false },
      fastgpu: { name: 'fastgpu', gpu: true },
    });
  });

  it('ships defaults.code to every step that names no code of its own', () => {
    // GIVEN one code folder for all steps, and a step with its own
    const ir = parseIn(dir, 'name: c\ndefaults: { code: ./steps }\nsteps:\n  a: { command: [x] }\n  b: { command: [x], code: . }\n');
    // THEN each step gets the folder that applies to it, resolved against the definition
    expect(ir.steps.a.code).toBe(join(dir, 'steps'));
    expect(ir.steps.b.code).toBe(dir);
  });

  it('reports a missing defaults.code folder once, at defaults.code', () => {
    const problems = problemsOf(dir, 'name: c\ndefaults: { code: ./nope }\nsteps:\n  a: { command: [x] }\n  b: { command: [x] }\n');
    expect(problems.map((p) => [p.path, p.line])).toEqual([['defaults.code', 2]]);
    expect(problems[0].message).toMatch(/code directory "\.\/nope" does not exist/);
  });

  it('puts a step with gpus on the gpu queue unless one is named', () => {
    const ir = parseIn(dir, 'name: g\nsteps:\n  t:\n    command: [x]\n    compute: { gpus: 1 }\n');
    expect(ir.steps.t.compute).toEqual({ vcpus: 1, memory: 2048, gpus: 1, queue: 'gpu' });
  });

  it('resolves inputs, sorts params and after, keeps outputs in order', () => {
    const ir = parseIn(
      dir,
      `name: wiring
parameters:
  zeta: { type: integer, default: 1 }
  alpha: { type: boolean, default: false }
steps:
  p:
    code: ./steps
    command: [x]
    inputs:
      raw: { path: ./data.csv }
      remote: { uri: "s3://my-bucket/some/key.csv" }
    outputs: [zz, aa]
  c:
    command: [x]
    inputs: { in: p.zz }
  q:
    command: [x]
    params: [zeta, alpha]
    after: [p, c]
`,
    );
    expect(ir.steps.p.code).toBe(join(dir, 'steps'));
    expect(ir.steps.p.inputs).toEqual({
      raw: { kind: 'path', path: join(dir, 'data.csv') },
      remote: { kind: 'uri', uri: 's3://my-bucket/some/key.csv', bucket: 'my-bucket', key: 'some/key.csv' },
    });
    expect(ir.steps.p.outputs).toEqual(['zz', 'aa']);
    expect(ir.steps.c.inputs).toEqual({ in: { kind: 'step', step: 'p', output: 'zz' } });
    expect(ir.steps.q.params).toEqual(['alpha', 'zeta']);
    expect(ir.steps.q.after).toEqual(['c', 'p']);
  });

  it('accepts any DAG shape, including a diamond and redundant after', () => {
    const ir = parseIn(
      dir,
      `name: diamond
steps:
  a: { command: [x], outputs: [o] }
  b: { command: [x], inputs: { i: a.o }, outputs: [o] }
  c: { command: [x], inputs: { i: a.o }, outputs: [o] }
  d: { command: [x], inputs: { b: b.o, c: c.o }, after: [a, b] }
`,
    );
    expect(Object.keys(ir.steps)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('normalizes schedule expressions, defaults the time zone to UTC and fills in parameter defaults', () => {
    const ir = parseIn(
      dir,
      `name: sched
parameters:
  epochs: { type: integer, default: 3 }
steps:
  a: { command: [x] }
schedules:
  bare_cron: { cron: "0  3 * * ? *", timezone: Europe/Berlin, parameters: { epochs: 5 } }
  wrapped_cron: { cron: "cron(15 10 ? * MON-FRI *)" }
  bare_rate: { rate: 5 minutes }
  expr: { expression: rate(1 day) }
  named: { cron: "0 18 L * ? 2026" }
  weekly: { cron: "0 9 ? JAN-JUN 2#1 *" }
`,
    );
    expect(ir.schedules).toEqual({
      bare_cron: { name: 'bare_cron', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin', parameters: { epochs: 5 } },
      wrapped_cron: { name: 'wrapped_cron', expression: 'cron(15 10 ? * MON-FRI *)', timezone: 'UTC', parameters: { epochs: 3 } },
      bare_rate: { name: 'bare_rate', expression: 'rate(5 minutes)', timezone: 'UTC', parameters: { epochs: 3 } },
      expr: { name: 'expr', expression: 'rate(1 day)', timezone: 'UTC', parameters: { epochs: 3 } },
      named: { name: 'named', expression: 'cron(0 18 L * ? 2026)', timezone: 'UTC', parameters: { epochs: 3 } },
      weekly: { name: 'weekly', expression: 'cron(0 9 ? JAN-JUN 2#1 *)', timezone: 'UTC', parameters: { epochs: 3 } },
    });
  });

  it('reads JSON with line numbers', () => {
    const text = '{\n  "name": "j",\n  "steps": {\n    "a": {\n      "command": ["x"],\n      "retries": 12\n    }\n  }\n}\n';
    const problems = problemsOf(dir, text, 'p.json');
    expect(problems).toEqual([
      {
        file: 'p.json',
        path: 'steps.a.retries',
        line: 6,
        message: 'expected a whole number from 0 to 9; received the number 12; write e.g. retries: 2',
      },
    ]);
    expect(parseIn(dir, text.replace('12', '2'), 'p.json').steps.a.retries).toBe(2);
  });

  it('reports every problem at once, ordered by line', () => {
    // GIVEN a file with problems in several places
    const text = `name: Bad
steps:
  a:
    command: []
    compute: { vcpus: 0, gpus: -1 }
    retries: 99
  b:
    command: [x]
    inputs: { i: nope.out }
`;
    // WHEN it is parsed THEN one DefinitionError carries all of them
    let error: unknown;
    try {
      parseIn(dir, text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    const problems = (error as DefinitionError).problems;
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [1, 'name'],
      [4, 'steps.a.command'],
      [5, 'steps.a.compute.gpus'],
      [5, 'steps.a.compute.vcpus'],
      [6, 'steps.a.retries'],
      [9, 'steps.b.inputs.i'],
    ]);
    expect((error as DefinitionError).message.split('\n')[0]).toMatch(/^pipeline\.yaml:1: name: expected a pipeline name/);
  });

  it('does not cascade: a bad upstream outputs list does not make references unknown', () => {
    const problems = problemsOf(dir, 'name: x\nsteps:\n  a: { command: [x], outputs: [Bad] }\n  b: { command: [x], inputs: { i: a.good } }\n');
    expect(problems.map((p) => p.path)).toEqual(['steps.a.outputs[0]']);
  });

  it('allows $schema and version keys', () => {
    const ir = parseIn(dir, '$schema: ../schema/pipeline.schema.json\nversion: 1\nname: x\nsteps:\n  a: { command: [x] }\n');
    expect(ir.name).toBe('x');
  });

  it('reports several independent cycles, each once', () => {
    const problems = problemsOf(
      dir,
      `name: loops
steps:
  a: { command: [x], after: [b] }
  b: { command: [x], after: [a] }
  c: { command: [x], after: [e] }
  d: { command: [x], after: [c] }
  e: { command: [x], after: [d] }
`,
    );
    expect(problems.map((p) => p.message.split(' (')[0])).toEqual([
      'dependency cycle: a → b → a',
      'dependency cycle: c → d → e → c',
    ]);
    expect(problems.map((p) => p.path)).toEqual(['steps.a.after[0]', 'steps.c.after[0]']);
  });

  it('reports a cycle once per closing dependency, however many paths run through it', () => {
    // GIVEN a diamond a → (b, c) → d whose end feeds back into a
    const problems = problemsOf(
      dir,
      `name: loop
steps:
  a: { command: [x], after: [d] }
  b: { command: [x], after: [a] }
  c: { command: [x], after: [a] }
  d: { command: [x], after: [b, c] }
`,
    );
    // THEN one problem, at the dependency that closes the loop
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('steps.a.after[0]');
    expect(problems[0].message).toMatch(/^dependency cycle: a → [bc] → d → a /);
  });
});

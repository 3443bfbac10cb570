/**
 * `pipewright validate` as a real subprocess: output format, exit status and --json.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace } from './support';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function pipewright(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'bin/pipewright'), args, { cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

const BAD = `name: demo
steps:
  a:
    command: [node, a.mjs]
    compute: { vcpus: 0 }
  b:
    command: [node, b.mjs]
    inputs: { x: a.missing }
`;

describe('pipewright validate', () => {
  let dir: string;
  let results: Record<string, Result>;

  beforeAll(async () => {
    dir = makeWorkspace();
    writeFileSync(join(dir, 'bad.yaml'), BAD);
    // The subprocesses are independent, so they run together to keep the test short.
    const runs = {
      yaml: pipewright('validate', 'examples/iris/pipeline.yaml'),
      dsl: pipewright('validate', 'examples/iris/pipeline.ts'),
      bad: pipewright('validate', join(dir, 'bad.yaml')),
      badJson: pipewright('validate', join(dir, 'bad.yaml'), '--json'),
      missing: pipewright('validate', 'no/such/file.yaml'),
    };
    const entries = await Promise.all(Object.entries(runs).map(async ([k, p]) => [k, await p] as const));
    results = Object.fromEntries(entries);
  });

  it('prints OK with the step count for a valid YAML file and exits 0', () => {
    expect(results.yaml).toEqual({ code: 0, stdout: 'examples/iris/pipeline.yaml: OK (4 steps)\n', stderr: '' });
  });

  it('validates a DSL module the same way', () => {
    expect(results.dsl).toEqual({ code: 0, stdout: 'examples/iris/pipeline.ts: OK (4 steps, type-checked)\n', stderr: '' });
  });

  it('prints every problem as file:line: path: message on stderr and exits 2', () => {
    const file = join(dir, 'bad.yaml');
    expect(results.bad.code).toBe(2);
    expect(results.bad.stdout).toBe('');
    const lines = results.bad.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `${file}:5: steps.a.compute.vcpus: expected a positive whole number; received the number 0; write e.g. vcpus: 2`,
      `${file}:8: steps.b.inputs.x: step "a" has no output "missing" (it declares no outputs). Fix the reference or add "missing" to steps.a.outputs`,
      '2 problem(s) found; nothing was written.',
    ]);
  });

  it('prints {valid, problems} with --json and exits 2 when invalid', () => {
    expect(results.badJson.code).toBe(2);
    const doc = JSON.parse(results.badJson.stdout);
    expect(doc.valid).toBe(false);
    expect(doc.problems).toEqual([
      expect.objectContaining({ path: 'steps.a.compute.vcpus', line: 5, file: join(dir, 'bad.yaml') }),
      expect.objectContaining({ path: 'steps.b.inputs.x', line: 8 }),
    ]);
  });

  it('reports a missing file and exits 2', () => {
    expect(results.missing.code).toBe(2);
    expect(results.missing.stderr).toMatch(/^error: no\/such\/file\.yaml: no such file/);
  });
});

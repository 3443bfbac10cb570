/**
 * `pipewright validate` on a TypeScript pipeline, as a real subprocess of the compiled CLI: type-checked with
 * the TypeScript of the pipeline's own project, and said so when that project has none.
 *
 * (The packed package does the same in a fresh project: test/package/consumer.integration.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const outside = mkdtempSync(join(tmpdir(), 'pw-validate-ts-'));

afterAll(() => rmSync(outside, { recursive: true, force: true }));

function pipewright(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'bin/pipewright'), args, { cwd }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: number }).code : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('pipewright validate <file>.ts', () => {
  it('type-checks a pipeline with its project’s TypeScript (this repository’s, for the example)', async () => {
    const r = await pipewright(ROOT, 'validate', 'examples/iris/pipeline.ts');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('examples/iris/pipeline.ts: OK (4 steps, type-checked)\n');
    expect(r.code).toBe(0);
  });

  it('says so when the project has no TypeScript, and still checks the definition with "did you mean"', async () => {
    // GIVEN a pipeline in a folder outside any project with TypeScript, with a misspelt output reference
    const dist = JSON.stringify(join(ROOT, 'dist', 'index.js'));
    writeFileSync(
      join(outside, 'p.ts'),
      `import { pipeline } from ${dist};\nconst p = pipeline('t');\nconst a = p.step('a', { command: ['true'], outputs: ['model'] });\n` +
        `p.step('b', { command: ['true'], inputs: { m: (a.outputs as Record<string, typeof a.outputs.model>).modle } });\nexport default p;\n`,
    );
    // WHEN validated
    const r = await pipewright(outside, 'validate', 'p.ts');
    // THEN the note says why it was not type-checked, and the definition's problem has the YAML wording
    expect(r.stderr).toMatch(/^note: p\.ts was not type-checked: TypeScript is not installed in this pipeline's project/);
    expect(r.stderr).toMatch(/p\.ts: steps\.b\.inputs\.m: step "a" has no output "modle" \(its outputs are: model\)\. Did you mean "model"\?/);
    expect(r.code).toBe(2);
    const json = await pipewright(outside, 'validate', 'p.ts', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, typeChecked: false });
  });
});

/**
 * Issue 8 §3: the filesystem boundary of a definition, checked by validate before anything is written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DefinitionError } from '../../lib/errors';
import { loadPipeline } from '../../lib/spec/load';

let top: string;
let dir: string;

beforeEach(() => {
  top = mkdtempSync(join(tmpdir(), 'pw-boundary-'));
  dir = join(top, 'project');
  mkdirSync(join(dir, 'code'), { recursive: true });
  writeFileSync(join(dir, 'code', 'run.sh'), 'echo hi\n');
  mkdirSync(join(top, 'outside'));
  writeFileSync(join(top, 'outside', 'data.txt'), 'secret\n');
});
afterEach(() => rmSync(top, { recursive: true, force: true }));

/** Writes pipeline.yaml with one step's extra YAML lines and returns the problems validate reports. */
async function problems(stepYaml: string, topYaml = ''): Promise<string> {
  writeFileSync(join(dir, 'pipeline.yaml'), `name: b\n${topYaml}steps:\n  s:\n    command: [sh, run.sh]\n${stepYaml}`);
  try {
    await loadPipeline(join(dir, 'pipeline.yaml'));
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return (err as Error).message;
  }
}

describe('code: and path: stay inside the definition folder', () => {
  it('refuses a path input that climbs out, naming the line, the path and the fix', async () => {
    const msg = await problems('    inputs: { x: { path: ../outside/data.txt } }\n');
    expect(msg).toMatch(/pipeline\.yaml:5: steps\.s\.inputs\.x\.path: path "\.\.\/outside\/data\.txt" is outside the definition's folder .*root:/);
  });

  it('refuses an absolute code directory such as /etc', async () => {
    expect(await problems('    code: /etc\n')).toMatch(/steps\.s\.code: code "\/etc" is outside the definition's folder/);
  });

  it('refuses a link inside the folder that points outside it', async () => {
    symlinkSync(join(top, 'outside'), join(dir, 'link'));
    expect(await problems('    code: ./link\n')).toMatch(/steps\.s\.code: code "\.\/link" is outside/);
  });

  it('accepts it when a top-level root: names a folder that holds it', async () => {
    expect(await problems('    inputs: { x: { path: ../outside/data.txt } }\n', 'root: ..\n')).toBe('');
  });

  it('rejects a root: that is not a folder', async () => {
    expect(await problems('    code: ./code\n', 'root: ./nope\n')).toMatch(/root: root "\.\/nope" is not a directory/);
  });
});

describe('code and input folders hold only regular files with UTF-8 names', () => {
  it('refuses a symbolic link inside a code folder', async () => {
    symlinkSync('/etc/passwd', join(dir, 'code', 'pw'));
    expect(await problems('    code: ./code\n')).toMatch(/steps\.s\.code: code "\.\/code" holds a symbolic link "pw" \(to \/etc\/passwd\)/);
  });

  it('refuses a FIFO inside an input folder', async () => {
    mkdirSync(join(dir, 'data'));
    execFileSync('mkfifo', [join(dir, 'data', 'pipe')]);
    expect(await problems('    inputs: { x: { path: ./data } }\n')).toMatch(/steps\.s\.inputs\.x\.path: path "\.\/data" holds "pipe", which is not a regular file/);
  });

  it('refuses a file name that is not UTF-8', async () => {
    const name = Buffer.concat([Buffer.from(join(dir, 'code', 'bad-')), Buffer.from([0xff, 0xfe])]);
    writeFileSync(name, 'x');
    expect(await problems('    code: ./code\n')).toMatch(/holds a file name that is not UTF-8 \(6261642dfffe in hex\)/);
  });

  it('refuses a NUL byte in a command argument or an env value', async () => {
    const msg = await problems('    env: { A: "x\\0y" }\n'.replace('command', 'command'));
    expect(msg).toMatch(/steps\.s\.env\.A: contains a NUL byte/);
    writeFileSync(join(dir, 'pipeline.yaml'), 'name: b\nsteps:\n  s:\n    command: [sh, "a\\0b"]\n');
    await expect(loadPipeline(join(dir, 'pipeline.yaml'))).rejects.toThrow(/steps\.s\.command\[1\]: contains a NUL byte/);
  });

  it('skips a store inside the code folder instead of reporting its contents', async () => {
    mkdirSync(join(dir, '.pipewright', 'cas', 'sha256'), { recursive: true });
    symlinkSync('/etc/passwd', join(dir, '.pipewright', 'odd'));
    expect(await problems('    code: .\n')).toBe('');
  });
});

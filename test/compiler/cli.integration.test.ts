/** `pipewright compile` and `pipewright graph` as real subprocesses of ./bin/pipewright. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const IRIS = join(ROOT, 'examples/iris/pipeline.yaml');
const golden = JSON.parse(readFileSync(join(__dirname, '__golden__/iris.json'), 'utf8'));

/** Runs the CLI; returns exit status and both streams. */
function cli(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin/pipewright'), args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pipewright compile', () => {
  it('prints the minified definition on stdout', () => {
    const r = cli('compile', IRIS);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toEqual(golden.definition);
  });

  it('--out writes the file and prints a one-line summary on stderr', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pw-compile-')), 'iris.asl.json');
    const r = cli('compile', IRIS, '--out', out, '--pretty');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^.*iris\.asl\.json: 15 states, \d+ bytes minified \(\d+ bytes\/step over 4 steps\), 2 job definitions\n$/);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('\n  "States": {');
    expect(JSON.parse(text)).toEqual(golden.definition);
  });

  it('--json prints the definition, job definitions and placeholders', () => {
    const r = cli('compile', IRIS, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(golden);
  });

  it('exits 2 on an invalid definition and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-compile-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nsteps:\n  a:\n    command: [x]\n    inputs: { i: b.out }\n  b:\n    command: [y]\n    inputs: { i: a.out }\n    outputs: [out]\n');
    const out = join(dir, 'out.json');
    const r = cli('compile', bad, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml');
    expect(existsSync(out)).toBe(false);
  });
});

describe('pipewright graph', () => {
  it('prints Mermaid by default and DOT on request, GPU step marked', () => {
    const mermaid = cli('graph', IRIS);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
    expect(mermaid.stdout).toContain('["train [GPU]"]:::gpu');
    const dot = cli('graph', IRIS, '--format', 'dot');
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "iris" \{\n/);
    expect(dot.stdout).toContain('[label="train"]');
  });

  it('exits 2 on an unknown format', () => {
    const r = cli('graph', IRIS, '--format', 'svg');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Allowed choices are mermaid, dot');
  });
});

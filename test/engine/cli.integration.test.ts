/**
 * The run-related commands through the real `bin/pipewright`: run (exit codes, --json, plain progress),
 * runs, show, logs, get and explain.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDocument } from '../../lib/engine';
import { makeProject, type Project } from './support';

const BIN = resolve(__dirname, '../../bin/pipewright');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function pw(p: Project, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: p.dir,
      env: { ...process.env, CI: '1', PIPEWRIGHT_STORE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const PIPELINE = `
name: clitest
parameters:
  greeting: { type: string, default: hello }
  times: { type: integer, default: 2, minimum: 1 }
steps:
  make:
    code: ./make
    command: [sh, run.sh]
    params: [greeting, times]
    outputs: [text, folder]
  shout:
    command: [sh, -c, 'tr a-z A-Z < "$PW_INPUT_TEXT" > "$PW_OUTPUT_LOUD"; echo "{\\"name\\": \\"chars\\", \\"value\\": 12}" >> "$PW_METRICS"']
    inputs: { text: make.text }
    outputs: [loud]
`;

const MAKE = `
i=0
while [ $i -lt "$PW_PARAM_TIMES" ]; do echo "$PW_PARAM_GREETING" >> "$PW_OUTPUT_TEXT"; i=$((i+1)); done
mkdir -p "$PW_OUTPUT_FOLDER/sub"
echo one > "$PW_OUTPUT_FOLDER/a.txt"
echo two > "$PW_OUTPUT_FOLDER/sub/b.txt"
echo "made $PW_PARAM_TIMES lines"
echo "a note on stderr" >&2
`;

let p: Project;
let first: RunDocument;

beforeAll(async () => {
  p = await makeProject('pw-cli-');
  await p.write('pipeline.yaml', PIPELINE);
  await p.write('make/run.sh', MAKE);
  await p.write('broken.yaml', PIPELINE.replace("tr a-z A-Z <", 'exit 5; tr a-z A-Z <'));
});

afterAll(async () => {
  await p.cleanup();
});

describe('pipewright run', () => {
  it('--json prints exactly one JSON document (the run document) on stdout; progress goes to stderr as plain lines', async () => {
    const r = await pw(p, ['run', 'pipeline.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    first = JSON.parse(r.stdout) as RunDocument;
    expect(first.status).toBe('succeeded');
    expect(first.pipeline).toBe('clitest');
    expect(first.parameters).toEqual({ greeting: 'hello', times: 2 });
    expect(first.steps.make.status).toBe('ran');
    expect(first.steps.shout.metrics).toEqual({ chars: 12 });
    expect(first.store).toBe(join(p.dir, '.pipewright'));
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stderr).toMatch(/make: ran in/);
    expect(r.stderr).toMatch(/2 ran, 0 reused, 0 failed, 0 skipped/);
  });

  it('exits 0 on a fully reused re-run and reports the time saved', async () => {
    const r = await pw(p, ['run', 'pipeline.yaml', '--param', 'greeting=hello']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/0 ran, 2 reused, 0 failed, 0 skipped; reuse saved/);
  });

  it('exits 1 when a step fails, naming it', async () => {
    const r = await pw(p, ['run', 'broken.yaml', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as RunDocument;
    expect(doc.status).toBe('failed');
    expect(doc.steps.shout.status).toBe('failed');
    expect(r.stderr).toMatch(/shout failed: Step 'shout' failed: exit code 5/);
  });

  it('exits 2 with a message for an unknown parameter (the other argument errors: cli-args.test.ts)', async () => {
    const r = await pw(p, ['run', 'pipeline.yaml', '--param', 'nope=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown parameter "nope"/);
    expect(r.stdout).toBe('');
  });

  it('runs a TypeScript DSL definition (examples/iris/pipeline.ts) the same way', async () => {
    const file = resolve(__dirname, '../../examples/iris/pipeline.ts');
    const r = await pw(p, ['run', file, '--json', '--store', 'dsl-store']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as RunDocument;
    expect(doc.pipeline).toBe('iris');
    expect(Object.values(doc.steps).map((s) => s.status)).toEqual(['ran', 'ran', 'ran', 'ran']);
  });

  it('exits 2 for a definition that does not exist', async () => {
    const r = await pw(p, ['run', 'missing.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.yaml/);
  });

  it('--verbose streams step output prefixed with the step name', async () => {
    const r = await pw(p, ['run', 'pipeline.yaml', '--verbose', '--no-cache', '--store', 'other-store']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/make \| made 2 lines/);
    expect(r.stderr).toMatch(/make! \| a note on stderr/);
  });
});

describe('inspecting runs', () => {
  it('runs lists every run with its status and ran/reused counts', async () => {
    const r = await pw(p, ['runs']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN\s+PIPELINE\s+STATUS\s+STARTED\s+DURATION\s+RAN\/REUSED$/);
    expect(lines.find((l) => l.startsWith(first.runId))).toMatch(/clitest\s+succeeded\s+.*\s2\/0$/);
    const json = JSON.parse((await pw(p, ['runs', '--json'])).stdout) as RunDocument[];
    expect(json.map((d) => d.runId)).toContain(first.runId);
  });

  it('show --json prints the same document as run --json; show latest resolves the newest run', async () => {
    const r = await pw(p, ['show', first.runId, '--json']);
    expect(JSON.parse(r.stdout)).toEqual(first);
    const latest = await pw(p, ['show', 'latest']);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/pipeline\s+clitest/);
    expect(latest.stdout).toMatch(/shout\s+failed/);
  });

  it('show exits 2 for an unknown run', async () => {
    const r = await pw(p, ['show', '20000101-000000-000abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Run '20000101-000000-000abc' was not found/);
  });

  it("logs prints a step's captured stdout and stderr", async () => {
    const out = await pw(p, ['logs', first.runId, 'make', '--stream', 'stdout']);
    expect(out.stdout).toBe('made 2 lines\n');
    const err = await pw(p, ['logs', first.runId, 'make', '--stream', 'stderr']);
    expect(err.stdout).toBe('a note on stderr\n');
    const both = await pw(p, ['logs', first.runId, 'make']);
    expect(both.stdout).toBe('made 2 lines\n');
    expect(both.stderr).toBe('a note on stderr\n');
  });

  it('get writes a file artifact and a directory artifact', async () => {
    const f = await pw(p, ['get', first.runId, 'shout.loud', 'loud.txt']);
    expect(f.code, f.stderr).toBe(0);
    expect(await readFile(join(p.dir, 'loud.txt'), 'utf8')).toBe('HELLO\nHELLO\n');
    const d = await pw(p, ['get', 'latest', 'make.folder', 'folder-copy']);
    expect(d.code, d.stderr).toBe(0);
    expect(await readFile(join(p.dir, 'folder-copy/sub/b.txt'), 'utf8')).toBe('two\n');
    const bad = await pw(p, ['get', first.runId, 'shout.nothing', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no output 'nothing'; its outputs are: loud/);
  });
});

describe('pipewright explain', () => {
  it('says first run, reused (with the recording run), and lists what changed', async () => {
    const store = ['--store', 'explain-store'];
    const one = JSON.parse((await pw(p, ['run', 'pipeline.yaml', '--json', ...store])).stdout) as RunDocument;
    const e1 = await pw(p, ['explain', one.runId, 'make', ...store]);
    expect(e1.code).toBe(0);
    expect(e1.stdout).toMatch(/first run of this step/);

    const two = JSON.parse((await pw(p, ['run', 'pipeline.yaml', '--json', '--param', 'times=3', ...store])).stdout) as RunDocument;
    const e2 = await pw(p, ['explain', two.runId, 'make', ...store]);
    expect(e2.stdout).toContain(`compared with run ${one.runId}`);
    expect(e2.stdout).toMatch(/param times: 2 → 3/);
    const e3 = await pw(p, ['explain', two.runId, 'shout', ...store]);
    expect(e3.stdout).toMatch(/input text: sha256:[0-9a-f]{8}… → sha256:[0-9a-f]{8}…/);

    await p.write('make/run.sh', `${MAKE}# edited\n`);
    const three = JSON.parse((await pw(p, ['run', 'pipeline.yaml', '--json', '--param', 'times=3', ...store])).stdout) as RunDocument;
    expect(three.steps.shout.status).toBe('reused');
    const e4 = await pw(p, ['explain', three.runId, 'make', ...store]);
    expect(e4.stdout).toMatch(/code: run\.sh changed/);
    const e5 = await pw(p, ['explain', 'latest', 'shout', ...store]);
    expect(e5.stdout).toContain(`reused: key ${three.steps.shout.cacheKey} recorded by run ${two.runId}`);
    await p.write('make/run.sh', MAKE);
  });
});

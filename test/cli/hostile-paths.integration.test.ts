/**
 * Issue 8 §3/§5 audit: every path a command takes — definition files, `--store` and `PIPEWRIGHT_STORE`, the
 * default store, `compile --out`, `report --html`, `get`'s destination, `serve`'s definitions and its
 * `pipelines/` folder — given hostile values through the real compiled CLI (`bin/pipewright`, built into
 * dist/ by the integration config): a directory where a file is expected, a path through a regular file, the
 * empty string, a missing folder, a FIFO, /proc, /sys and /dev paths, a dangling link, an over-long name and
 * a read-only folder. A NUL byte cannot travel in argv (execve ends a string at NUL), so those cases call the
 * compiled module's `main()` in-process.
 *
 * Each case must exit 2 by itself (a hang is killed and fails), print one line naming the argument or path
 * and the fix, with no stack trace and no raw Node errno message ("EISDIR: illegal operation…"), and change
 * nothing on disk. The case count is recorded in BENCHMARKS.md (reliability).
 *
 * `--param` values are never opened as paths (no parameter type reads a file), so they have no row here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/pipewright');
/** A hang (a FIFO opened for reading, a store under /proc spinning) is killed after this long, and fails. */
const HANG_MS = 15_000;
const LONG = 'n'.repeat(300);

const PIPELINE = `name: probe
steps:
  one:
    command: [sh, -c, 'echo hi > "$PW_OUTPUT_O"']
    outputs: [o]
`;

interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;
let store: string;
const asRoot = process.getuid?.() === 0;

function pw(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; asNobody?: boolean } = {}): Promise<Result> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? work,
      env: { ...process.env, CI: '1', PIPEWRIGHT_STORE: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Root writes anywhere a mode bit forbids: the read-only cases run as nobody.
      ...(opts.asNobody && asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

/** Every path under `dir` with its type, size and modification time: equal before and after means nothing changed. */
function fingerprint(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.push(`${p} ${st.mode} ${st.isDirectory() ? '' : `${st.size} ${st.mtimeMs}`}`);
      if (st.isDirectory() && (st.mode & 0o555) === 0o555) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A hostile value for a path slot: what it is, the path, and what the message must name. */
interface Hostile {
  readonly kind: string;
  readonly path: string;
  /** Runs as nobody when the tests run as root (read-only folder). */
  readonly asNobody?: boolean;
}

/** Hostile values where a file is read (a definition). */
function definitionPaths(): Hostile[] {
  return [
    { kind: 'a directory (EISDIR)', path: 'adir.yaml' },
    { kind: 'through a regular file (ENOTDIR)', path: 'afile/x.yaml' },
    { kind: 'empty', path: '' },
    { kind: 'missing folder', path: 'nope/nope/x.yaml' },
    { kind: 'a FIFO', path: 'fifo.yaml' },
    { kind: 'under /proc', path: '/proc/pw-nothing/x.yaml' },
    { kind: 'a link into /proc', path: 'proc.yaml' },
    { kind: 'a link to /dev/full', path: 'full.yaml' },
    { kind: 'a dangling link', path: 'dangling.yaml' },
    { kind: 'an over-long name (ENAMETOOLONG)', path: `${LONG}.yaml` },
    { kind: 'an over-long folder (ENAMETOOLONG)', path: `${LONG}/x.yaml` },
  ];
}

/** Hostile values where a store directory is used. */
function storePaths(): Hostile[] {
  return [
    { kind: 'a regular file', path: 'afile' },
    { kind: 'through a regular file (ENOTDIR)', path: 'afile/x' },
    { kind: 'a FIFO', path: 'fifo' },
    { kind: 'under /proc', path: '/proc/pw-x' },
    { kind: '/proc itself', path: '/proc' },
    { kind: 'under /sys', path: '/sys/pw-x' },
    { kind: '/dev/full', path: '/dev/full' },
    { kind: 'under /dev', path: '/dev/pw-x' },
    { kind: 'a dangling link', path: 'dangling' },
    { kind: 'an over-long name (ENAMETOOLONG)', path: LONG },
  ];
}

/** Hostile values where a file is written. */
function outputPaths(): Hostile[] {
  return [
    { kind: 'a directory (EISDIR)', path: 'adir' },
    { kind: 'through a regular file (ENOTDIR)', path: 'afile/x' },
    { kind: 'empty', path: '' },
    { kind: 'missing folder', path: 'nope/nope/x' },
    { kind: 'a FIFO', path: 'fifo' },
    { kind: 'under /proc', path: '/proc/pw-x' },
    { kind: 'an existing /proc file', path: '/proc/self/status' },
    { kind: 'under /sys', path: '/sys/pw-x' },
    { kind: '/dev/full', path: '/dev/full' },
    { kind: 'under /dev', path: '/dev/pw-x' },
    { kind: '/dev/stdout (a link)', path: '/dev/stdout' },
    { kind: 'a dangling link', path: 'dangling' },
    { kind: 'an over-long name (ENAMETOOLONG)', path: LONG },
    { kind: 'an over-long folder (ENAMETOOLONG)', path: `${LONG}/x` },
    { kind: 'a read-only folder', path: 'ro/x', asNobody: true },
  ];
}

/** One row of the table: a command line with a hostile path in one slot. */
interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly asNobody?: boolean;
  /** What the message must mention: the argument's name or the path. */
  readonly names: readonly string[];
  /** The message is in the JSON on stdout (validate --json). */
  readonly json?: boolean;
}

/** What a message names for a path (a long one is shown in full; its start is enough to check). */
const shown = (p: string): string => (p.length > 60 ? p.slice(0, 60) : p);

function cases(): Case[] {
  const out: Case[] = [];
  const storeCommands: readonly (readonly string[])[] = [
    ['run', 'p.yaml'],
    ['show', 'latest'],
    ['explain', 'latest', 'one'],
    ['logs', 'latest', 'one'],
    ['get', 'latest', 'one.o', 'fresh-copy'],
    ['runs'],
    ['runs', 'probe'],
    ['compare', 'latest', 'latest'],
    ['metrics', 'probe', 'accuracy'],
    ['lineage', `sha256:${'0'.repeat(64)}`],
    ['report', 'latest', '--html', 'fresh.html'],
    ['graph', 'p.yaml', '--run', 'latest'],
    ['gc'],
    ['serve', 'p.yaml', '--port', '0'],
    // The web UI over a deployed API, its downloads from --store: nothing is listening on port 9, and the store is checked first.
    ['serve', '--api', 'http://127.0.0.1:9', '--port', '0'],
  ];
  for (const h of definitionPaths()) {
    const names = h.path === '' ? ['definition path'] : [shown(h.path)];
    for (const cmd of [['run'], ['validate'], ['compile'], ['graph'], ['serve', '--port', '0']]) {
      const withStore = cmd[0] === 'run' || cmd[0] === 'serve' ? ['--store', store] : [];
      out.push({ name: `${cmd[0]} <definition>: ${h.kind}`, args: [...cmd, h.path, ...withStore], names });
    }
    out.push({ name: `validate --json <definition>: ${h.kind}`, args: ['validate', '--json', h.path], names, json: true });
  }
  // A TypeScript definition is type-checked first: a bad path must still give the loader's one line.
  for (const path of ['adir.ts', 'afile/x.ts', 'fifo.ts', 'dangling.ts', `${LONG}.ts`]) {
    out.push({ name: `validate <definition.ts>: ${path.slice(0, 20)}`, args: ['validate', path], names: [shown(path)] });
  }
  for (const h of storePaths()) {
    for (const cmd of storeCommands) {
      out.push({ name: `${cmd[0]} --store: ${h.kind}`, args: [...cmd, '--store', h.path], names: ['--store', shown(h.path)] });
    }
    for (const cmd of [['run', 'p.yaml'], ['runs'], ['show', 'latest'], ['gc'], ['serve', 'p.yaml', '--port', '0']]) {
      out.push({ name: `${cmd[0]} with PIPEWRIGHT_STORE: ${h.kind}`, args: cmd, env: { PIPEWRIGHT_STORE: h.path }, names: ['PIPEWRIGHT_STORE', shown(h.path)] });
    }
  }
  for (const cmd of [['run', 'p.yaml'], ['serve', 'p.yaml', '--port', '0']]) {
    out.push({ name: `${cmd[0]} --store: empty`, args: [...cmd, '--store', ''], names: ['--store'] });
  }
  out.push({ name: 'gc --store: missing', args: ['gc', '--store', 'nope/store'], names: ['--store nope/store'] });
  out.push({ name: 'run --store: a read-only folder', args: ['run', join(work, 'p.yaml'), '--store', 'ro/store'], names: ['ro/store'], asNobody: true });
  out.push({ name: 'runs: the default store ./.pipewright is a file', args: ['runs'], cwd: join(work, 'badcwd'), names: ['.pipewright'] });
  out.push({ name: 'run: the default store ./.pipewright is a file', args: ['run', join(work, 'p.yaml')], cwd: join(work, 'badcwd'), names: ['.pipewright'] });
  out.push({ name: 'serve: pipelines/ is a file', args: ['serve', '--port', '0', '--store', store], cwd: join(work, 'badcwd'), names: ['pipelines'] });
  for (const h of outputPaths()) {
    const label = h.path === '' ? '' : ` ${shown(h.path)}`;
    const rows: [string, string[], string][] = [
      ['compile --out', ['compile', 'p.yaml', '--out', h.path], `--out${label}`],
      ['report --html', ['report', 'latest', '--store', store, '--html', h.path], `--html${label}`],
      ['get <dest>', ['get', 'latest', 'one.o', h.path, '--store', store], h.path === '' ? 'destination' : shown(h.path)],
      ['get <dest> --force', ['get', 'latest', 'one.o', h.path, '--store', store, '--force'], h.path === '' ? 'destination' : shown(h.path)],
    ];
    for (const [what, args, name] of rows) {
      // get --force replaces an existing directory whole, by design: not a hostile case.
      if (what === 'get <dest> --force' && h.kind.startsWith('a directory')) continue;
      // The read-only case runs as nobody, who reads the definition and the store by absolute path.
      const argv = h.asNobody ? args.map((a) => (a === 'p.yaml' ? join(work, 'p.yaml') : a)) : args;
      out.push({ name: `${what}: ${h.kind}`, args: argv, names: [name.trim()], asNobody: h.asNobody, ...(h.path === '' && what.startsWith('report') ? { names: ['--html'] } : {}) });
    }
  }
  return out;
}

/** Node's own errno text ("EISDIR: illegal operation on a directory, open 'x'"), which must never be all a user sees. */
const RAW_ERRNO = /\bE[A-Z]{3,}: [a-z][^;]*, (open|stat|lstat|scandir|mkdir|rename|write|read|link|unlink|realpath|rmdir|copyfile)\b/;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pw-hostile-'));
  chmodSync(work, 0o755); // nobody reads the definition and the store in the read-only cases
  store = join(work, 'store');
  writeFileSync(join(work, 'p.yaml'), PIPELINE);
  mkdirSync(join(work, 'adir'));
  mkdirSync(join(work, 'adir.yaml'));
  mkdirSync(join(work, 'adir.ts'));
  writeFileSync(join(work, 'afile'), 'a file\n');
  execFileSync('mkfifo', [join(work, 'fifo'), join(work, 'fifo.yaml'), join(work, 'fifo.ts')]);
  symlinkSync('/nonexistent/pw-target', join(work, 'dangling'));
  symlinkSync('/nonexistent/pw-target.yaml', join(work, 'dangling.yaml'));
  symlinkSync('/nonexistent/pw-target.ts', join(work, 'dangling.ts'));
  symlinkSync('/proc/self/status', join(work, 'proc.yaml'));
  symlinkSync('/dev/full', join(work, 'full.yaml'));
  mkdirSync(join(work, 'ro'));
  mkdirSync(join(work, 'badcwd'));
  writeFileSync(join(work, 'badcwd', '.pipewright'), 'not a store\n');
  writeFileSync(join(work, 'badcwd', 'pipelines'), 'not a folder\n');
  const ok = await pw(['run', 'p.yaml', '--store', store]);
  expect(ok.code, ok.stderr).toBe(0);
  execFileSync('chmod', ['-R', 'a+rX', store]);
  chmodSync(join(work, 'ro'), 0o555);
}, 60_000);

afterAll(() => {
  if (work) {
    chmodSync(join(work, 'ro'), 0o755);
    rmSync(work, { recursive: true, force: true });
  }
});

describe('hostile paths through the real CLI', () => {
  it('every path argument, option and variable of every command: exit 2, one line naming it and the fix, nothing written', async () => {
    const table = cases();
    const before = fingerprint(work);
    const failures: string[] = [];
    // A few at a time: each is a whole process, as a user pays for it.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < table.length) {
        const c = table[next++];
        const r = await pw(c.args, { cwd: c.cwd, env: c.env, asNobody: c.asNobody });
        const message = c.json ? r.stdout : r.stderr;
        const problems: string[] = [];
        if (r.signal) problems.push(`did not finish within ${HANG_MS / 1000} s (killed)`);
        else if (r.code !== 2) problems.push(`exited ${r.code}`);
        if (/\n\s+at .+:\d+:\d+/.test(r.stderr)) problems.push('printed a stack trace');
        if (RAW_ERRNO.test(message)) problems.push('printed a raw Node errno message');
        if (!c.json && r.stderr.trim().split('\n').length !== 1) problems.push('printed more than one line on stderr');
        if (c.json && !/"valid": false/.test(r.stdout)) problems.push('printed no JSON verdict');
        if (!c.names.some((n) => message.includes(n))) problems.push(`names none of ${JSON.stringify(c.names)}`);
        if (problems.length) failures.push(`${c.name} (${JSON.stringify(c.args).slice(0, 160)}): ${problems.join(', ')}\n    ${message.trim().slice(0, 400)}`);
      }
    };
    await Promise.all(Array.from({ length: 3 }, worker));
    expect(failures, `${failures.length} of ${table.length} cases failed:\n${failures.join('\n')}`).toEqual([]);
    // Nothing lost, nothing half-written: no file appeared, vanished or changed, in the work folder or the system's.
    expect(fingerprint(work)).toEqual(before);
    for (const p of ['/dev/pw-x', '/sys/pw-x', '/proc/pw-x']) expect(existsSync(p), p).toBe(false);
    process.stdout.write(`hostile paths: ${table.length} cases through bin/pipewright, all exit 2\n`);
  }, 300_000);

  it('a NUL byte in any path (main() of the compiled CLI: argv cannot carry one) is an exit-2 message', async () => {
    const { main } = (await import(pathToFileURL(join(ROOT, 'dist/cli.js')).href)) as { main: (argv: readonly string[]) => Promise<number> };
    const nul = 'a\0b';
    const table: (readonly string[])[] = [
      ['run', `${nul}.yaml`, '--store', store],
      ['validate', `${nul}.yaml`],
      ['compile', `${nul}.yaml`],
      ['graph', `${nul}.yaml`],
      ['run', join(work, 'p.yaml'), '--store', nul],
      ['runs', '--store', nul],
      ['show', 'latest', '--store', nul],
      ['gc', '--store', nul],
      ['compile', join(work, 'p.yaml'), '--out', join(work, nul)],
      ['report', 'latest', '--store', store, '--html', join(work, nul)],
      ['get', 'latest', 'one.o', join(work, nul), '--store', store],
    ];
    const before = fingerprint(work);
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    for (const args of table) {
      let err = '';
      process.stdout.write = (() => true) as typeof process.stdout.write;
      process.stderr.write = ((c: string) => ((err += String(c)), true)) as typeof process.stderr.write;
      let code: number;
      try {
        code = await main(args);
      } finally {
        process.stdout.write = write.out;
        process.stderr.write = write.err;
        process.exitCode = undefined;
      }
      expect(code, `${JSON.stringify(args)}: ${err}`).toBe(2);
      expect(err, JSON.stringify(args)).toMatch(/NUL byte/);
      expect(err.trim().split('\n'), JSON.stringify(args)).toHaveLength(1);
    }
    expect(fingerprint(work)).toEqual(before);
  }, 60_000);

  it('the same checks let ordinary paths through: a missing store is created, an existing output is replaced whole, - is stdout', async () => {
    const fresh = join(work, 'made', 'deep', 'store');
    const r = await pw(['run', 'p.yaml', '--store', fresh]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(fresh, 'runs'))).toBe(true);
    const out = join(work, 'state-machine.json');
    writeFileSync(out, 'old');
    const c = await pw(['compile', 'p.yaml', '--out', out]);
    expect(c.code, c.stderr).toBe(0);
    expect(readdirSync(work).filter((n) => n.includes('.pw-'))).toEqual([]);
    const dash = await pw(['compile', 'p.yaml', '--out', '-']);
    expect(dash.code, dash.stderr).toBe(0);
    expect(JSON.parse(dash.stdout)).toHaveProperty('States');
    expect(existsSync(join(work, '-')), 'a file named -').toBe(false);
    const html = await pw(['report', 'latest', '--store', store, '--html', '-']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    rmSync(join(work, 'made'), { recursive: true, force: true });
    rmSync(out);
  }, 60_000);
});

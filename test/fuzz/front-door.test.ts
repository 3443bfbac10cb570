/**
 * Issue 8 §8: a property test of the front door. Mutations of the valid definitions (the iris example and
 * small hand-written ones) go through the definition loader, and random argument lists through the CLI: every
 * input must end in success or a DefinitionError/UsageError (exit 0 or 2) with a message that names a place,
 * never another exception, exit 1, a stack trace, or more than a second.
 *
 * A third part mutates the paths in every path slot (definition, --store, --out, --html, get's destination):
 * appended segments, doubled slashes, NUL bytes, over-long names, swaps for a file, a folder, a FIFO, a dangling
 * link or a /proc, /sys or /dev path; test/cli/hostile-paths.integration.test.ts is the table of the same
 * through the compiled CLI.
 *
 * Seeded (PW_FUZZ_SEED, default 8) so a failure reproduces; PW_FUZZ_CASES scales the number of cases.
 * The case counts are recorded in BENCHMARKS.md (reliability).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main';
import { DefinitionError, UsageError } from '../../lib/errors';
import { parseSpec } from '../../lib/spec/parse';

const SEED = Number(process.env.PW_FUZZ_SEED ?? 8);
const CASES = Number(process.env.PW_FUZZ_CASES ?? 500);
const ROOT = join(__dirname, '..', '..');

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '', ' ', '\n', '\t', ':', '- ', '{', '}', '[', ']', ',', '"', "'", '&a', '*a', '!!binary', '~', 'null', 'true', '-1', '0', '1e999',
  '9999999999999999999', '__proto__', 'constructor', 'steps', 'command', 'inputs', 'outputs', 'path: ../../etc/passwd', 'code: /etc',
  'timeout: 1s', 'retries: 99', 'gpus: -1', 'a.b', '\u0000', '\uFEFF', '\uFFFD', 'é', '${x}', '%', '#', '|', '>', '<<: *a', '? ',
];

/** One random mutation of a text: replace, insert, delete, duplicate or swap lines or characters. */
function mutate(text: string, r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const lines = text.split('\n');
  switch (Math.floor(r() * 7)) {
    case 0: {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 1);
      return lines.join('\n');
    }
    case 1: {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[Math.floor(r() * lines.length)]);
      return lines.join('\n');
    }
    case 2: {
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 3: {
      const at = Math.floor(r() * (text.length + 1));
      return text.slice(0, at) + pick(TOKENS) + text.slice(at);
    }
    case 4: {
      const at = Math.floor(r() * text.length);
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 8));
    }
    case 5: {
      const at = Math.floor(r() * text.length);
      return text.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x250)) + text.slice(at + 1);
    }
    default: {
      // Replace a scalar after a colon.
      const i = Math.floor(r() * lines.length);
      lines[i] = lines[i].replace(/:\s*(.*)$/, `: ${pick(TOKENS)}`);
      return lines.join('\n');
    }
  }
}

const SMALL = `name: small
parameters:
  n: { type: integer, default: 2, minimum: 1 }
  mode: { type: string, enum: [a, b], default: a }
defaults:
  retries: 1
  env: { A: "1" }
steps:
  one:
    command: [sh, -c, 'echo 1 > "$PW_OUTPUT_O"']
    params: [n]
    outputs: [o]
  two:
    command: [sh, -c, 'cat "$PW_INPUT_X"']
    inputs: { x: one.o }
    timeout: 2m
    compute: { vcpus: 1, memory: 512 }
schedules:
  nightly: { cron: "0 3 * * ? *", parameters: { n: 3 } }
`;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pw-fuzz-'));
  mkdirSync(join(work, 'steps'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Whether a message names a place: the file, a path in it, or a command-line option or command. */
function namesAPlace(message: string, file: string): boolean {
  return message.includes(file) || /--[a-z]|<[a-z]|'[a-z-]+'|"[^"]*"|\b(command|argument|option|run|step|store)\b/i.test(message);
}

describe('fuzz: the definition loader', () => {
  it(`${CASES} mutations of valid definitions end in an IR or a DefinitionError/UsageError naming the file, each within a second`, () => {
    const r = rng(SEED);
    const iris = readFileSync(join(ROOT, 'examples/iris/pipeline.yaml'), 'utf8');
    const seeds = [iris, SMALL, JSON.stringify({ name: 'j', steps: { a: { command: ['true'] } } }, null, 1)];
    let ok = 0;
    let rejected = 0;
    let slowest = 0;
    for (let n = 0; n < CASES; n++) {
      let text = seeds[n % seeds.length];
      const rounds = 1 + Math.floor(r() * 4);
      for (let k = 0; k < rounds; k++) text = mutate(text, r);
      const json = n % seeds.length === 2;
      const file = json ? 'fuzz.json' : 'fuzz.yaml';
      const t0 = performance.now();
      try {
        parseSpec(text, file, { source: join(n % seeds.length === 0 ? join(ROOT, 'examples/iris') : work, file), format: json ? 'json' : 'yaml' });
        ok++;
      } catch (err) {
        if (!(err instanceof DefinitionError || err instanceof UsageError)) {
          throw new Error(`case ${n} (seed ${SEED}) threw ${(err as Error)?.name}: ${(err as Error)?.message}\n--- input ---\n${text}`);
        }
        expect(err.message.startsWith(file) || namesAPlace(err.message, file), `case ${n}: ${err.message}`).toBe(true);
        rejected++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    expect(slowest, 'slowest case (ms)').toBeLessThan(1000);
    expect(ok + rejected).toBe(CASES);
    expect(rejected).toBeGreaterThan(CASES / 4);
    process.stdout.write(`fuzz loader: ${CASES} cases (${ok} valid, ${rejected} rejected), slowest ${slowest.toFixed(0)} ms, seed ${SEED}\n`);
  }, 120_000);
});

describe('fuzz: CLI arguments', () => {
  it('random argument lists to the commands that read definitions or the store exit 0 or 2 with a message naming a place', async () => {
    const r = rng(SEED + 1);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    writeFileSync(join(work, 'good.yaml'), SMALL);
    writeFileSync(join(work, 'bad.yaml'), 'name: [\n');
    const store = join(work, 'store');
    const commands = ['validate', 'compile', 'graph', 'runs', 'show', 'logs', 'get', 'explain', 'frobnicate', 'valdate', ''];
    const words = [
      join(work, 'good.yaml'), join(work, 'bad.yaml'), join(work, 'missing.yaml'), join(work, 'steps'), '/dev/null', '/proc/self', '',
      '-', '--', '--json', '--help', '--store', store, '/proc/x', '--format', 'mermaid', 'dot', 'xml', '--out', join(work, 'out.json'),
      'latest', '20261130-000000-000abc', '../../etc', 'one', 'one.o', 'two.x', '.', '--param', 'n=1', 'constructor=1', '--stream', 'stdout',
      '--concurrency', '0', 'NaN', '\u0000', 'é', '--no-cache', '-x', '--verbose=1',
    ];
    const CLI_CASES = Math.max(300, Math.floor(CASES / 2));
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    let zero = 0;
    let two = 0;
    let slowest = 0;
    for (let n = 0; n < CLI_CASES; n++) {
      const args = [pick(commands), ...Array.from({ length: Math.floor(r() * 5) }, () => pick(words))].filter((a, i) => i > 0 || a !== '');
      let err = '';
      let out = '';
      process.stdout.write = ((c: string) => ((out += String(c)), true)) as typeof process.stdout.write;
      process.stderr.write = ((c: string) => ((err += String(c)), true)) as typeof process.stderr.write;
      process.exitCode = undefined;
      const t0 = performance.now();
      let code: number;
      try {
        code = await main(args);
      } finally {
        process.stdout.write = write.out;
        process.stderr.write = write.err;
        process.exitCode = undefined;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      const shown = JSON.stringify(args);
      expect([0, 2], `${shown} exited ${code}: ${err}`).toContain(code);
      expect(err, `${shown} printed a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+/);
      if (code === 2) {
        // The message is on stderr, or in the JSON on stdout for --json.
        const message = err.trim() || out.trim();
        expect(message, `${shown} exited 2 without a message`).not.toBe('');
        expect(namesAPlace(message, ''), `${shown}: ${message}`).toBe(true);
        two++;
      } else zero++;
    }
    expect(slowest, 'slowest case (ms)').toBeLessThan(1000);
    process.stdout.write(`fuzz cli: ${CLI_CASES} cases (${zero} exit 0, ${two} exit 2), slowest ${slowest.toFixed(0)} ms, seed ${SEED + 1}\n`);
  }, 120_000);
});

/** Runs `main()` with stdout and stderr captured. */
async function callMain(args: readonly string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let err = '';
  let out = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((c: string) => ((out += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((err += String(c)), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  const t0 = performance.now();
  try {
    const code = await main(args);
    return { code, out, err, ms: performance.now() - t0 };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = undefined;
  }
}

describe('fuzz: paths', () => {
  it('mutated paths in every path slot of every command end in exit 0 or 2 with a message naming a place, and write nothing outside the work folder', async () => {
    const r = rng(SEED + 2);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const base = join(work, 'paths');
    mkdirSync(join(base, 'adir'), { recursive: true });
    writeFileSync(join(base, 'afile'), 'x');
    execFileSync('mkfifo', [join(base, 'fifo')]);
    symlinkSync('/nonexistent/pw-fuzz', join(base, 'dangling'));
    const good = join(base, 'good.yaml');
    writeFileSync(good, SMALL);
    const store = join(base, 'store');
    const seeded = await callMain(['run', good, '--store', store]);
    expect(seeded.code, seeded.err).toBe(0);
    const mutations: readonly ((p: string) => string)[] = [
      (p) => `${p}/x`,
      (p) => `${p}/`,
      (p) => p.replace(/\//g, '//'),
      (p) => `${p}\0`,
      () => '',
      (p) => `${p}${'n'.repeat(260)}`,
      (p) => join(base, 'afile', basename(p)),
      () => join(base, 'afile'),
      () => join(base, 'fifo'),
      () => join(base, 'adir'),
      () => join(base, 'dangling'),
      (p) => join(base, 'adir', '..', 'nope', basename(p)),
      (p) => `/proc/pw-fuzz/${basename(p)}`,
      () => '/proc/self/status',
      () => '/dev/full',
      (p) => `/dev/pw-fuzz-${basename(p).slice(0, 20)}`,
      () => '/sys/pw-fuzz',
    ];
    // Half the time a slot keeps its valid value, so hostile values also meet valid neighbours.
    const slot = (valid: string): string => (r() < 0.5 ? valid : pick(mutations)(valid));
    const templates: readonly ((n: number) => string[])[] = [
      () => ['validate', slot(good)],
      () => ['validate', '--json', slot(good)],
      () => ['compile', slot(good)],
      (n) => ['compile', slot(good), '--out', slot(join(base, `out-${n}.json`))],
      () => ['graph', slot(good), '--run', 'latest', '--store', slot(store)],
      (n) => ['report', 'latest', '--store', slot(store), '--html', slot(join(base, `report-${n}.html`))],
      (n) => ['get', 'latest', 'one.o', slot(join(base, `got-${n}`)), '--store', slot(store)],
      () => ['show', 'latest', '--store', slot(store)],
      () => ['runs', '--store', slot(store)],
      () => ['runs', 'small', '--store', slot(store)],
      () => ['explain', 'latest', 'one', '--store', slot(store)],
      () => ['logs', 'latest', 'one', '--store', slot(store)],
      () => ['compare', 'latest', 'latest', '--store', slot(store)],
      () => ['metrics', 'small', 'x', '--store', slot(store)],
      () => ['gc', '--dry-run', '--store', slot(store)],
    ];
    const CASES_PATHS = Math.max(300, Math.floor(CASES / 2));
    let zero = 0;
    let two = 0;
    let slowest = 0;
    for (let n = 0; n < CASES_PATHS; n++) {
      const args = pick(templates)(n);
      const { code, out, err, ms } = await callMain(args);
      slowest = Math.max(slowest, ms);
      const shown = JSON.stringify(args);
      expect([0, 2], `${shown} exited ${code}: ${err}`).toContain(code);
      expect(err, `${shown} printed a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(err, `${shown} printed a raw Node errno message`).not.toMatch(/\bE[A-Z]{3,}: [a-z][^;]*, [a-z]+ '/);
      if (code === 2) {
        const message = err.trim() || out.trim();
        expect(message, `${shown} exited 2 without a message`).not.toBe('');
        expect(namesAPlace(message, ''), `${shown}: ${message}`).toBe(true);
        two++;
      } else zero++;
    }
    // A hang guard (a FIFO opened, a store spinning under /proc), not a speed target: those are in bench/.
    expect(slowest, 'slowest case (ms)').toBeLessThan(5000);
    for (const p of ['/proc/pw-fuzz', '/sys/pw-fuzz']) expect(existsSync(p), p).toBe(false);
    expect(readdirSync('/dev').filter((n) => n.startsWith('pw-fuzz')), 'files created under /dev').toEqual([]);
    expect(readdirSync(base).filter((n) => n.includes('.pw-')), 'temporary files left behind').toEqual([]);
    process.stdout.write(`fuzz paths: ${CASES_PATHS} cases (${zero} exit 0, ${two} exit 2), slowest ${slowest.toFixed(0)} ms, seed ${SEED + 2}\n`);
  }, 180_000);
});

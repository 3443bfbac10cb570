/**
 * Store hashing throughput: `hashFile` against `openssl dgst -sha256` on the same file.
 *
 * Run directly (`npx tsx bench/hash.ts [MiB]`) to print the numbers; `bench/local.ts` imports
 * `benchHash` for the full local benchmark.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { hashFile } from '../lib/store';

const run = promisify(execFile);

/** One hashing measurement. */
export interface HashBenchResult {
  readonly bytes: number;
  /** Best of the runs of `hashFile`, in milliseconds. */
  readonly ourMs: number;
  /** Best of the runs of `openssl dgst -sha256`, in milliseconds (process start included). */
  readonly opensslMs: number;
  /** Our throughput relative to openssl's (`opensslMs / ourMs`; ≥ 1 means at least as fast). */
  readonly ratio: number;
  /** The same ratio for each round (hashFile then openssl), whose spread is the machine's noise. */
  readonly roundRatios: readonly number[];
}

/** Writes a temp file of `sizeBytes`, hashes it with `hashFile` and with openssl (best of `runs`), checks they agree. */
export async function benchHash(sizeBytes = 1024 ** 3, runs = 3): Promise<HashBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-bench-hash-'));
  const file = join(dir, 'data.bin');
  try {
    const chunk = Buffer.alloc(8 << 20);
    const fh = await open(file, 'w');
    for (let written = 0, i = 0; written < sizeBytes; i++) {
      const n = Math.min(chunk.length, sizeBytes - written);
      chunk.fill(i % 251);
      chunk.writeUInt32LE(i, 0);
      await fh.write(chunk, 0, n);
      written += n;
    }
    await fh.close();

    // Both read the file from the page cache after a warm-up read, so the comparison is of hashing
    // and reading, not of the disk.
    await hashFile(file);
    let ourMs = Infinity;
    let opensslMs = Infinity;
    let ours = '';
    let theirs = '';
    const roundRatios: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      ours = await hashFile(file);
      const oursRound = performance.now() - t;
      ourMs = Math.min(ourMs, oursRound);
      t = performance.now();
      const { stdout } = await run('openssl', ['dgst', '-sha256', '-r', file]);
      const theirsRound = performance.now() - t;
      opensslMs = Math.min(opensslMs, theirsRound);
      roundRatios.push(theirsRound / oursRound);
      theirs = `sha256:${stdout.split(' ')[0]}`;
    }
    if (ours !== theirs) throw new Error(`hashFile gave ${ours} but openssl gave ${theirs} for ${file}`);
    return { bytes: sizeBytes, ourMs, opensslMs, ratio: opensslMs / ourMs, roundRatios };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Formats a result as one line. */
export function formatHashBench(r: HashBenchResult): string {
  const mibps = (ms: number): string => ((r.bytes / 1024 ** 2) / (ms / 1000)).toFixed(0);
  return (
    `hashing ${(r.bytes / 1024 ** 3).toFixed(2)} GiB: hashFile ${r.ourMs.toFixed(0)} ms (${mibps(r.ourMs)} MiB/s), ` +
    `openssl dgst -sha256 ${r.opensslMs.toFixed(0)} ms (${mibps(r.opensslMs)} MiB/s), best-of ratio ${r.ratio.toFixed(2)}x openssl, ` +
    `per round ${Math.min(...r.roundRatios).toFixed(2)}–${Math.max(...r.roundRatios).toFixed(2)}x`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mib = Number(process.argv[2] ?? 1024);
  console.log(formatHashBench(await benchHash(mib * 1024 * 1024)));
}

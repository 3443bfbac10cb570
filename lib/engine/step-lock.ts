/**
 * One execution per cache key at a time on a filesystem store: a step already running for the same key in
 * another live process (a second `pipewright run`, `serve`) is waited for, then reused, not run twice.
 *
 * The lock is `<store>/locks/<hex>.lock`, created exclusively and holding its owner's host and pid; a lock
 * whose owner on this machine is gone is taken over. S3 stores are not locked (no exclusive create here).
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { hexOf, type Hash } from '../store';
import { isProcessAlive } from './process-alive';

/** A held lock. */
export interface StepLock {
  /** Whether another process held the key when this one asked (its result may now be reusable). */
  readonly waited: boolean;
  release(): Promise<void>;
}

const POLL_MS = 200;

/** Takes the lock of `key` in a filesystem store at `location` (undefined for other stores); aborting stops the wait. */
export async function lockStep(location: string, key: Hash, signal?: AbortSignal): Promise<StepLock | undefined> {
  if (!isAbsolute(location)) return undefined;
  const dir = join(location, 'locks');
  const path = join(dir, `${hexOf(key)}.lock`);
  const me = { host: hostname(), pid: process.pid };
  let waited = false;
  try {
    await mkdir(dir, { recursive: true });
  } catch {
    return undefined; // An unwritable store fails later with its own message.
  }
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return { waited, release: () => unlink(path).catch(() => undefined) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
    // Another process may have created the file and not yet written its owner: unreadable means someone else's.
    const owner = await readFile(path, 'utf8')
      .then((t) => JSON.parse(t) as typeof me)
      .catch(() => undefined);
    if (owner && owner.host === me.host && (owner.pid === me.pid || !isProcessAlive(owner.pid))) {
      // Ours from an earlier attempt, or left by a dead process: take it over.
      await unlink(path).catch(() => undefined);
      continue;
    }
    waited = true;
    if (signal?.aborted) throw new Error('stopped while waiting for another process running the same step');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

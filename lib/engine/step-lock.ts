/**
 * One execution per cache key at a time: a step already running for the same key in another live process (a
 * second `pipewright run`, `serve`, another machine on the same S3 store) is waited for, then reused, not run
 * twice.
 *
 * - Filesystem store: `<store>/locks/<hex>.lock`, created exclusively and holding its owner's host, pid and a
 *   token; a lock whose owner on this machine is gone is taken over.
 * - S3 store: `locks/<hex>.lock` as a lease with a heartbeat, by S3 conditional writes (see lease-lock.ts).
 *   A server that ignores conditional writes (s3rver) gets no lock, with a warning.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CasStore, hexOf, type ArtifactStore, type ConditionalObjects, type Hash } from '../store';
import { conditionalWritesWork, leaseLock } from './lease-lock';
import { isProcessAlive } from '../runner';

/** A held lock. */
export interface StepLock {
  /** Whether another process held the key when this one asked (its result may now be reusable). */
  readonly waited: boolean;
  release(): Promise<void>;
}

/** Options of `lockStep`. */
export interface StepLockOptions {
  /** Aborting stops the wait (it then throws). @default - not abortable */
  readonly signal?: AbortSignal;
  /** Called once when the step waits for another holder, with who it is. @default - none */
  readonly onWait?: (holder: string) => void;
  /** Called with a warning (no locking on this store, a lease lost). @default - none */
  readonly onWarning?: (message: string) => void;
  /** Lease of an S3 lock. @default 30000 */
  readonly leaseMs?: number;
}

const POLL_MS = 200;

/** Tokens of the filesystem locks this process holds (two runs in one `serve` wait for each other too). */
const heldHere = new Set<string>();

/** Takes the lock of `key` in `store`; undefined when the store cannot lock (the step then just runs). */
export async function lockStep(store: ArtifactStore, key: Hash, options: StepLockOptions = {}): Promise<StepLock | undefined> {
  if (isAbsolute(store.location)) return lockFile(store.location, key, options);
  const objects = store instanceof CasStore ? store.backend.conditional : undefined;
  if (!objects || !(await conditionalWritesHonoured(store.location, objects, options.onWarning))) return undefined;
  try {
    return await leaseLock(objects, lockKey(key), {
      signal: options.signal,
      leaseMs: options.leaseMs,
      onWait: options.onWait,
      onLost: (holder) =>
        options.onWarning?.(`the lock on a running step (${lockKey(key)}) was taken over by ${holder}: its heartbeat could not reach ${store.location} within the lease`),
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    // A lock saves duplicate work only: a store that refuses it (permissions, a network error) must not fail the step.
    options.onWarning?.(`could not lock a step at ${store.location}/${lockKey(key)} (${(err as Error).message}); it runs unlocked`);
    return undefined;
  }
}

function lockKey(key: Hash): string {
  return `locks/${hexOf(key)}.lock`;
}

/** Whether each S3 store's server honours conditional writes, probed once per process. */
const probes = new Map<string, Promise<boolean>>();

function conditionalWritesHonoured(location: string, objects: ConditionalObjects, onWarning: StepLockOptions['onWarning']): Promise<boolean> {
  let probe = probes.get(location);
  if (!probe) {
    probe = conditionalWritesWork(objects, `locks/.probe-${randomBytes(6).toString('hex')}`).then(
      (works) => {
        if (!works) {
          onWarning?.(
            `${location} does not honour S3 conditional writes (If-None-Match), so steps are not locked across processes: ` +
              'two runs started together may both run a step (results stay correct). Amazon S3 and moto honour them; s3rver does not.',
          );
        }
        return works;
      },
      (err: Error) => {
        probes.delete(location); // perhaps passing: ask again next time
        onWarning?.(
          `could not check S3 conditional writes at ${location}/locks/ (${err.message}), so this step is not locked across processes; ` +
            'locking needs s3:PutObject, s3:GetObject and s3:DeleteObject on locks/*.',
        );
        return false;
      },
    );
    probes.set(location, probe);
  }
  return probe;
}

async function lockFile(location: string, key: Hash, options: StepLockOptions): Promise<StepLock | undefined> {
  const dir = join(location, 'locks');
  const path = join(dir, `${hexOf(key)}.lock`);
  const me = { host: hostname(), pid: process.pid, token: randomBytes(8).toString('hex') };
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
      heldHere.add(me.token);
      return {
        waited,
        release: async () => {
          heldHere.delete(me.token);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
    const owner = await readOwner(path);
    if (owner === undefined) continue; // released in between
    if (isStale(owner, me)) {
      // Left by a dead process (or by this one, released without removing it): take it over, one taker at a time.
      await takeOver(path, owner, me);
      continue;
    }
    if (!waited && owner) options.onWait?.(`pid ${owner.pid} on ${owner.host}`);
    waited = true;
    if (options.signal?.aborted) throw new Error('stopped while waiting for another process running the same step');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

interface FileOwner {
  readonly host?: string;
  readonly pid?: number;
  readonly token?: string;
  /** When the lock file was last written (an unreadable lock is stale once old). */
  readonly writtenAt: number;
  readonly text: string;
}

/** How long a lock file may stay unreadable (its writer between create and write) before it counts as stale. */
const UNREADABLE_GRACE_MS = 10_000;

async function readOwner(path: string): Promise<FileOwner | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const [text, st] = await Promise.all([fh.readFile('utf8'), fh.stat()]);
      let parsed: Partial<FileOwner> = {};
      try {
        parsed = JSON.parse(text) as Partial<FileOwner>;
      } catch {
        // Being written, or cut short by a crash: judged by its age.
      }
      return { host: parsed.host, pid: parsed.pid, token: parsed.token, writtenAt: st.mtimeMs, text };
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

function isStale(owner: FileOwner, me: { host: string; pid: number }): boolean {
  if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return Date.now() - owner.writtenAt > UNREADABLE_GRACE_MS;
  if (owner.host !== me.host) return false; // another machine's process: we cannot tell, so we wait
  return owner.pid === me.pid ? !heldHere.has(owner.token ?? '') : !isProcessAlive(owner.pid);
}

/**
 * Removes a stale lock unless it changed since it was judged: two waiters that both saw the same dead owner
 * must not both remove (the second would remove the first's new lock). `<lock>.takeover`, created
 * exclusively, lets one taker at a time re-read and remove; a takeover file left by a dead taker goes too.
 */
async function takeOver(path: string, seen: FileOwner, me: { host: string; pid: number; token: string }): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    const fh = await open(guard, 'wx');
    await fh.writeFile(JSON.stringify(me));
    await fh.close();
    heldHere.add(me.token);
  } catch {
    const other = await readOwner(guard);
    if (other && isStale(other, me)) await unlink(guard).catch(() => undefined);
    await new Promise((r) => setTimeout(r, POLL_MS / 4));
    return;
  }
  try {
    const now = await readOwner(path);
    if (now && now.text === seen.text) await unlink(path).catch(() => undefined);
  } finally {
    heldHere.delete(me.token);
    await unlink(guard).catch(() => undefined);
  }
}

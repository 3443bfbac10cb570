/**
 * A step lock on a store with conditional writes (S3): one lease object per cache key, created with
 * `If-None-Match: *`, kept alive by a heartbeat, and taken over when its holder is gone.
 *
 * The holder rewrites the object every `leaseMs / 3` (`If-Match` its last ETag), so a live holder's ETag keeps
 * changing. A waiter measures on its own clock how long the ETag has stood still; past `leaseMs` the holder is
 * taken to be gone (no clock is shared between machines). A holder on this machine whose pid is gone is taken
 * over at once. Every takeover is `If-Match` the ETag the waiter saw, so of several waiters exactly one wins.
 *
 * The lock saves duplicate work only: results are content-addressed, so a step that ran twice (a holder cut off
 * from S3 longer than its lease) stores the same objects twice, never a wrong one.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConditionalObjects } from '../store';
import { isProcessAlive } from '../runner';

/** What a lease object holds. */
interface LeaseBody {
  readonly host: string;
  readonly pid: number;
  /** Unique per acquisition, so two runs in one process (`serve`) are told apart. */
  readonly token: string;
  /** How long the holder promises to renew within. */
  readonly leaseMs: number;
  /** Heartbeat count (changes the content, hence the ETag, on every renewal). */
  readonly beat: number;
}

/** Options of `leaseLock`. */
export interface LeaseLockOptions {
  /** Aborting stops the wait (it then throws). @default - not abortable */
  readonly signal?: AbortSignal;
  /** How long a silent holder keeps the lock. @default 30000 */
  readonly leaseMs?: number;
  /** Time between two looks at a held lock. @default 500 */
  readonly pollMs?: number;
  /** Called once, when the lock is found held by another live holder. @default - none */
  readonly onWait?: (holder: string) => void;
  /** Called when a heartbeat finds the lease taken over by another process. @default - none */
  readonly onLost?: (holder: string) => void;
}

/** A held lease. */
export interface HeldLease {
  /** Whether another holder had the lock when this one asked. */
  readonly waited: boolean;
  release(): Promise<void>;
}

/** The default lease: long enough for a heartbeat to be late twice, short enough to recover from a crash soon. */
export const DEFAULT_LEASE_MS = 30_000;

/** Takes the lease at `key`, waiting while another live holder has it. */
export async function leaseLock(objects: ConditionalObjects, key: string, options: LeaseLockOptions = {}): Promise<HeldLease> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? 500;
  const me = { host: hostname(), pid: process.pid, token: randomBytes(8).toString('hex'), leaseMs };
  const body = (beat: number): Buffer => Buffer.from(JSON.stringify({ ...me, beat } satisfies LeaseBody));
  let waited = false;
  // The ETag last seen on the held lock, and when (on this process's monotonic clock) it was first seen.
  let seen: { tag: string; since: number } | undefined;
  for (;;) {
    const created = await objects.create(key, body(0));
    if (created !== undefined) return hold(objects, key, created, body, leaseMs, waited, options.onLost);
    const current = await objects.read(key);
    if (current === undefined) continue; // released in between: try again at once
    const owner = parseBody(current.data);
    const now = performance.now();
    if (seen?.tag !== current.tag) seen = { tag: current.tag, since: now };
    const local = owner !== undefined && owner.host === me.host;
    const ownerGone = local && owner.pid !== me.pid && !isProcessAlive(owner.pid);
    const silentFor = now - seen.since;
    const expired = silentFor > Math.max(owner?.leaseMs ?? leaseMs, leaseMs);
    if (ownerGone || expired || owner === undefined) {
      // Take over whatever we saw, and only that: another waiter may be doing the same.
      const taken = await objects.replace(key, body(0), current.tag);
      if (taken !== undefined) return hold(objects, key, taken, body, leaseMs, true, options.onLost);
      continue;
    }
    if (!waited) options.onWait?.(describe(owner));
    waited = true;
    if (options.signal?.aborted) throw new Error('stopped while waiting for another process running the same step');
    await sleep(pollMs, options.signal);
  }
}

/** Keeps a taken lease alive until released. */
function hold(
  objects: ConditionalObjects,
  key: string,
  firstTag: string,
  body: (beat: number) => Buffer,
  leaseMs: number,
  waited: boolean,
  onLost: LeaseLockOptions['onLost'],
): HeldLease {
  let tag: string | undefined = firstTag;
  let beat = 0;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (tag === undefined) return;
      try {
        const next = await objects.replace(key, body(++beat), tag);
        if (next !== undefined) {
          tag = next;
          return;
        }
        tag = undefined;
        clearInterval(timer);
        const now = await objects.read(key).catch(() => undefined);
        const owner = now && parseBody(now.data);
        onLost?.(owner ? describe(owner) : 'nobody (it was removed)');
      } catch {
        // S3 unreachable for a moment: the next beat tries again, within the lease.
      }
    });
  }, Math.max(10, Math.floor(leaseMs / 3)));
  // A heartbeat never keeps the process alive by itself.
  timer.unref();
  return {
    waited,
    async release() {
      clearInterval(timer);
      await renewing;
      const last = tag;
      tag = undefined;
      if (last !== undefined) await objects.remove(key, last).catch(() => false);
    },
  };
}

function parseBody(data: Buffer): LeaseBody | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as Partial<LeaseBody>;
    return typeof v.host === 'string' && typeof v.pid === 'number' && typeof v.leaseMs === 'number' ? (v as LeaseBody) : undefined;
  } catch {
    return undefined;
  }
}

function describe(owner: LeaseBody): string {
  return `pid ${owner.pid} on ${owner.host}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Whether a store's conditional writes are honoured: some S3-compatible servers (s3rver) accept the headers
 * and ignore them, which would let two processes both "create" a lock. Probed once per store with a scratch key.
 */
export async function conditionalWritesWork(objects: ConditionalObjects, scratchKey: string): Promise<boolean> {
  const first = await objects.create(scratchKey, Buffer.from('1'));
  if (first === undefined) return false;
  const second = await objects.create(scratchKey, Buffer.from('2'));
  const wrongDelete = second === undefined ? await objects.remove(scratchKey, '"0"') : true;
  const current = await objects.read(scratchKey);
  if (current) await objects.remove(scratchKey, current.tag);
  return second === undefined && !wrongDelete;
}

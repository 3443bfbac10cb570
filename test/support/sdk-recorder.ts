/**
 * Records the AWS SDK commands the code under test sends, by actor (the API handler, the lookup handler, the
 * runner), for the IAM test (test/iam/iam.test.ts), which evaluates each one against the synthesized roles.
 *
 * An SDK middleware (`initialize` step) is added to every client the first time it sends; calls count only
 * inside `recorded(actor, fn)`, so test setup never pollutes the list. At the end of a suite `saveRecording`
 * compares what was recorded with `test/iam/__recorded__/<suite>.json` (committed, like a golden file): a call
 * the file lacks fails the suite until `UPDATE_SDK_CALLS=1` adds it, so the IAM test always sees every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** Who makes a call in the deployed system (which role it runs as). */
export type Actor = 'api' | 'lookup' | 'runner';

/** One distinct recorded call. */
export interface RecordedCall {
  readonly actor: Actor;
  /** The SDK client, e.g. `S3Client`. */
  readonly client: string;
  /** The command, e.g. `GetObjectCommand`. */
  readonly command: string;
  /** For S3: whether the bucket was the artifact store, and the key's area in it (`cas/`, `runs/`, ...). */
  readonly target?: string;
}

export const RECORDED_DIR = join(import.meta.dirname, '../iam/__recorded__');

const actor = new AsyncLocalStorage<Actor>();
const calls = new Map<string, RecordedCall>();
let store: { bucket: string; prefix: string } | undefined;

/** Where the store under test lives, so S3 calls are classified as store or external. */
export function recordStore(bucket: string, prefix: string): void {
  store = { bucket, prefix: prefix.replace(/\/?$/, '/') };
}

function targetOf(input: Record<string, unknown>): string | undefined {
  const bucket = input.Bucket as string | undefined;
  if (bucket === undefined) return undefined;
  if (!store || bucket !== store.bucket) return 'external';
  const key = (input.Key ?? input.Prefix ?? input.CopySource ?? '') as string;
  const rel = key.startsWith(store.prefix) ? key.slice(store.prefix.length) : key;
  const area = rel.split('/')[0];
  return area ? `store:${area}/` : 'store';
}

const INSTALLED = Symbol('pipewrightRecorder');
const ON_CLIENT = Symbol('pipewrightRecorderOnClient');

/** Installs the recorder on every SDK client (they share smithy's `Client` base class). */
export function installSdkRecorder(): void {
  const base = Object.getPrototypeOf(S3Client.prototype) as { send: (...a: unknown[]) => unknown; [INSTALLED]?: boolean };
  if (base[INSTALLED]) return;
  base[INSTALLED] = true;
  const send = base.send;
  base.send = function (this: { middlewareStack: any; [ON_CLIENT]?: boolean }, ...args: unknown[]) {
    if (!Object.prototype.hasOwnProperty.call(this, ON_CLIENT)) {
      this[ON_CLIENT] = true;
      this.middlewareStack.add(
        (next: (a: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
          async (a: { input: Record<string, unknown> }) => {
            const who = actor.getStore();
            if (who) {
              const call: RecordedCall = {
                actor: who,
                client: context.clientName ?? 'unknown',
                command: context.commandName ?? 'unknown',
                ...(targetOf(a.input) ? { target: targetOf(a.input) } : {}),
              };
              calls.set(JSON.stringify(call), call);
            }
            return next(a);
          },
        { step: 'initialize', name: 'pipewrightRecorder', override: true },
      );
    }
    return send.apply(this, args);
  };
}

/** Runs `fn` as `who`: the SDK calls it makes are recorded. */
export function recorded<T>(who: Actor, fn: () => Promise<T>): Promise<T> {
  return actor.run(who, fn);
}

/** Calls recorded so far, sorted. */
export function recordedCalls(): RecordedCall[] {
  return [...calls.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * Compares this suite's calls with the committed recording; returns the calls the file lacks (empty when up
 * to date). With `UPDATE_SDK_CALLS=1` it writes the file instead.
 */
export function saveRecording(suite: string): RecordedCall[] {
  const file = join(RECORDED_DIR, `${suite}.json`);
  const now = recordedCalls();
  if (process.env.UPDATE_SDK_CALLS === '1') {
    mkdirSync(RECORDED_DIR, { recursive: true });
    writeFileSync(file, `${JSON.stringify(now, null, 2)}\n`);
    return [];
  }
  const committed = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RecordedCall[]) : [];
  const known = new Set(committed.map((c) => JSON.stringify(c)));
  return now.filter((c) => !known.has(JSON.stringify(c)));
}

/** Every committed recording. */
export function committedCalls(): RecordedCall[] {
  if (!existsSync(RECORDED_DIR)) return [];
  const out = new Map<string, RecordedCall>();
  for (const f of readdirSync(RECORDED_DIR).filter((n) => n.endsWith('.json'))) {
    const file = join(RECORDED_DIR, f);
    for (const c of JSON.parse(readFileSync(file, 'utf8')) as RecordedCall[]) out.set(JSON.stringify(c), c);
  }
  return [...out.values()];
}

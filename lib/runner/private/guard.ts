/**
 * A guard per running step: a tiny `sh` that kills the step's process group when the process that started
 * it is gone (SIGKILL, a crash, a second Ctrl-C), so a step never outlives its run.
 *
 * The guard reads its stdin, a pipe from this process: the read returns only when every write end is closed,
 * which the kernel does when this process dies. Node opens pipes close-on-exec, so the step never holds one.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A started guard; `release` stops it once the step has ended normally. */
export interface StepGuard {
  release(): void;
}

const SCRIPT = 'read _ignored; kill -9 -"$1" 2>/dev/null; exit 0';

/** Starts a guard over process group `pgid` (the step's pid, spawned detached). */
export function guardProcessGroup(pgid: number): StepGuard {
  let guard: ChildProcess | undefined;
  try {
    guard = spawn('/bin/sh', ['-c', SCRIPT, 'pw-guard', String(pgid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    guard.on('error', () => undefined);
    guard.stdin?.on('error', () => undefined);
    // Neither the guard nor its pipe keeps this process alive.
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    guard = undefined; // No /bin/sh: the step is still killed on every exit path this process sees.
  }
  return {
    release() {
      try {
        guard?.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/**
 * A guard per running step: a tiny `sh` that kills the step's process group when the process that started
 * it is gone (SIGKILL, a crash, a second Ctrl-C), so a step never outlives its run.
 *
 * The guard reads its stdin, a pipe from this process: first the step's process group id, then nothing until
 * every write end is closed, which the kernel does when this process dies. It is started before the step, so
 * there is no moment when a step runs unguarded; Node opens pipes close-on-exec, so the step never holds one.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A started guard: `watch` names the step's process group, `release` stops the guard once the step ended. */
export interface StepGuard {
  watch(pgid: number): void;
  release(): void;
}

// Two signals that the engine is gone, whichever comes first: EOF on the pipe, or its pid ($1) no longer alive
// (polled each second, in case something else still holds the pipe's write end).
const SCRIPT = [
  'read pgid || exit 0',
  '[ -n "$pgid" ] || exit 0',
  '( while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 -"$pgid" 2>/dev/null ) &',
  'poller=$!',
  'read _ignored',
  'kill -9 -"$pgid" 2>/dev/null',
  'kill "$poller" 2>/dev/null',
  'exit 0',
].join('\n');

/** Starts a guard; call `watch` with the step's pid (spawned detached, so it leads its own group). */
export function startGuard(): StepGuard {
  let guard: ChildProcess | undefined;
  try {
    guard = spawn('/bin/sh', ['-c', SCRIPT, 'pw-guard', String(process.pid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    guard.on('error', () => undefined);
    guard.stdin?.on('error', () => undefined);
    // Neither the guard nor its pipe keeps this process alive.
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    guard = undefined; // No /bin/sh: the step is still killed on every exit path this process sees.
  }
  return {
    watch(pgid) {
      guard?.stdin?.write(`${pgid}\n`);
    },
    release() {
      try {
        // The guard leads its own group (detached): this also ends its poller.
        if (guard?.pid !== undefined) process.kill(-guard.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/**
 * A guard per running step: a tiny `sh` that kills the step's process group when the process that started
 * it is gone (SIGKILL, a crash, a second Ctrl-C), so a step never outlives its run.
 *
 * The guard reads its stdin, a pipe from this process: first the step's process group id, then nothing until
 * every write end is closed, which the kernel does when this process dies. Node opens pipes close-on-exec, so
 * nothing else holds that end. It is started before the step, and the step's command waits for a go-ahead sent
 * only after the group id is in the guard's pipe (launch.ts): there is no moment when a command runs unguarded.
 * (Before that go-ahead, an engine SIGKILLed between starting the step and writing its group left an orphan:
 * the guard read EOF first and had nothing to kill. A loaded machine widens that window to tens of ms.)
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A started guard: `watch` names the step's process group, `release` stops the guard once the step ended. */
export interface StepGuard {
  watch(pgid: number): void;
  release(): void;
}

// Two signals that the engine is gone, whichever comes first: EOF on the pipe, or this guard's parent no longer
// being the engine ($1). The kernel re-parents the guard when the engine exits, before the engine is reaped, so
// a zombie engine counts as gone and a reused pid cannot pass for it; `kill -0` is the fallback without /proc.
const SCRIPT = [
  'engine=$1',
  'read pgid || exit 0',
  '[ -n "$pgid" ] || exit 0',
  '(',
  '  while :; do',
  '    if read -r s < /proc/$$/stat; then s=${s##*) }; set -- $s; [ "$2" = "$engine" ] || break',
  '    else kill -0 "$engine" || break; fi',
  '    sleep 1',
  '  done',
  '  kill -9 -"$pgid"',
  ') 2>/dev/null &',
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

/**
 * How a step's command starts so that it never runs unguarded: through a tiny `sh` that waits for a go-ahead
 * on fd 3, closes it, and execs the command (same pid, same process group).
 *
 * The engine learns the step's pid only once it is running, and tells the guard (guard.ts) afterwards. If the
 * engine died in between (SIGKILL while it was descheduled on a loaded machine), the guard never learnt the
 * group and the step ran on, orphaned. Now the engine gives the go-ahead only after the guard has the group in
 * its pipe: an engine that dies earlier closes fd 3, the launcher reads EOF and exits without running anything.
 */
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The launcher: `$@` is the step's command, looked up on PATH by `exec` as execvp does. */
export const LAUNCHER_SCRIPT = 'read -r _go <&3 || exit 125; exec 3<&-; exec "$@"';

/** The launcher's `$0`, shown by `ps` until the command replaces it. */
export const LAUNCHER_NAME = 'pw-step';

/** Where `/bin/sh` runs the launcher; without it steps start directly (unguarded between spawn and watch). */
export const SHELL = '/bin/sh';

/** Whether a shell for the launcher exists (checked once per process). */
export function shellAvailable(): Promise<boolean> {
  shellChecked ??= access(SHELL, constants.X_OK).then(
    () => true,
    () => false,
  );
  return shellChecked;
}
let shellChecked: Promise<boolean> | undefined;

/**
 * Checks that `command` can be executed the way execvp finds it (a path with `/` from `cwd`, else each PATH
 * entry), so that a missing command is reported as before (ENOENT, EACCES), not as the launcher's exit 127.
 * Returns the error to report, or undefined when it will start.
 */
export async function findExecutable(command: string, cwd: string, path: string | undefined): Promise<NodeJS.ErrnoException | undefined> {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (path ?? '/usr/bin:/bin').split(delimiter).map((dir) => join(dir === '' ? cwd : resolve(cwd, dir), command));
  let denied = false;
  for (const file of candidates) {
    const st = await stat(file).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) {
      denied = true; // execvp: EACCES
      continue;
    }
    try {
      await access(file, constants.X_OK);
      return undefined;
    } catch {
      denied = true;
    }
  }
  const code = denied ? 'EACCES' : 'ENOENT';
  return Object.assign(new Error(`spawn ${command} ${code}`), { code, errno: denied ? -13 : -2, syscall: `spawn ${command}`, path: command });
}

/**
 * When a process of this machine started, from Linux's /proc: a pid seen alive may have been reused by a
 * process that started after what we want to know its owner of (a staging folder of a SIGKILLed run).
 */
import { readFile } from 'node:fs/promises';

/** `/proc/<pid>/stat` counts in clock ticks of USER_HZ, which Linux fixes at 100 for user space. */
const TICKS_PER_SECOND = 100;

/** When `pid` started, in epoch milliseconds (±10 ms); undefined where /proc does not tell (not Linux, gone). */
export async function processStartedAt(pid: number): Promise<number | undefined> {
  try {
    const [stat, uptime] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile('/proc/uptime', 'utf8')]);
    // Fields after the command name, which sits in parentheses and may itself contain spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 22 of the whole line (starttime) is the 20th after the name.
    const startTicks = Number(fields[19]);
    const upSeconds = Number(uptime.split(' ')[0]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(upSeconds)) return undefined;
    return Date.now() - (upSeconds - startTicks / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}

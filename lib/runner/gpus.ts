/**
 * Detects the machine's NVIDIA GPUs.
 */
import { execFile } from 'node:child_process';

/** Indexes of the GPUs `nvidia-smi` reports (e.g. `['0', '1']`); empty when it is absent or fails. */
export function detectGpus(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { timeout: 10_000 }, (err, stdout) => {
      if (err) {
        resolve([]);
        return;
      }
      resolve(
        String(stdout)
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /^\d+$/.test(l)),
      );
    });
  });
}

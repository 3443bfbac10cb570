/**
 * Global setup of the integration tests: builds dist/ from the current sources, because the tests run the
 * compiled CLI (`bin/pipewright`) and pack the package the way users install it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '../..');
  execFileSync(process.execPath, [join(root, 'bin', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}

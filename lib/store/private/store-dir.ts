/**
 * Recognizes a store directory, so that a code or input tree never takes a store into itself.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The default store directory's name (`./.pipewright`). */
export const DEFAULT_STORE_DIR_NAME = '.pipewright';

/** Whether `dir` is a Pipewright store: named `.pipewright`, or holding the content-addressed `cas/sha256/` folder. */
export function isStoreDir(dir: string): boolean {
  return basename(dir) === DEFAULT_STORE_DIR_NAME || existsSync(join(dir, 'cas', 'sha256'));
}

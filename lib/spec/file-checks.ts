/**
 * The filesystem boundary of a definition: `code:` and `path:` entries stay inside the definition's folder
 * (or the folder its top-level `root:` names), and hold only regular files and directories with UTF-8 names.
 *
 * Checked by `validate` (and so by every command that loads a definition) before anything is written.
 */
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, sep } from 'node:path';

/**
 * Whether a folder is a Pipewright store (the default `.pipewright`, or one holding `cas/sha256/`): never part
 * of a tree. The same rule as lib/store's, restated here because the spec layer does not import the store.
 */
function isStoreDir(dir: string): boolean {
  return basename(dir) === '.pipewright' || existsSync(join(dir, 'cas', 'sha256'));
}

/** The most problems reported for one tree (a folder of 10,000 links needs one message, not 10,000). */
const MAX_PROBLEMS_PER_TREE = 5;

/** Whether `path` is `root` or inside it, after resolving links in both. */
export function isInside(path: string, root: string): boolean {
  const rel = relative(realpathSync(root), realpathSync(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** What is wrong with a tree's entries: links, special files, names that are not UTF-8 (empty when none). */
export function treeProblems(top: string): string[] {
  const problems: string[] = [];
  const walk = (dir: string): void => {
    let names: Buffer[];
    try {
      names = readdirSync(dir, { encoding: 'buffer' });
    } catch (err) {
      problems.push(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; fix its permissions`);
      return;
    }
    for (const raw of names) {
      if (problems.length >= MAX_PROBLEMS_PER_TREE) return;
      const name = raw.toString('utf8');
      const p = join(dir, name);
      if (!Buffer.from(name, 'utf8').equals(raw)) {
        problems.push(`${JSON.stringify(relative(top, dir) || '.')} holds a file name that is not UTF-8 (${raw.toString('hex')} in hex); rename it`);
        continue;
      }
      const st = lstatSync(p);
      const rel = relative(top, p);
      if (st.isSymbolicLink()) {
        let target = '?';
        try {
          target = readlinkSync(p);
        } catch {
          // Shown as '?'.
        }
        problems.push(`holds a symbolic link ${JSON.stringify(rel)} (to ${target}); links are not stored (an artifact must be the same everywhere): replace it with a copy of its target, or remove it`);
      } else if (st.isDirectory()) {
        if (!isStoreDir(p)) walk(p);
      } else if (!st.isFile()) {
        problems.push(`holds ${JSON.stringify(rel)}, which is not a regular file or directory (a FIFO, socket or device); remove it`);
      }
    }
  };
  const st = lstatSync(top);
  if (st.isDirectory()) walk(top);
  else if (!st.isFile() && !st.isSymbolicLink()) problems.push('is not a regular file or directory (a FIFO, socket or device); point it at a file or a folder');
  return problems;
}

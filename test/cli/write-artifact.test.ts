/**
 * Issue 8 §3: `pipewright get`'s destination rules, against a real filesystem store.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeArtifact } from '../../lib/cli/private/write-artifact';
import { UsageError } from '../../lib/errors';
import type { ArtifactRef } from '../../lib/store/types';
import { type Sandbox, sandbox } from '../reuse/fixtures';

let sb: Sandbox;
let file: ArtifactRef;
let tree: ArtifactRef;
beforeEach(async () => {
  sb = await sandbox();
  await sb.write({ 'src/model.txt': 'weights\n', 'src/dir/a.txt': 'A\n', 'src/dir/sub/b.txt': 'B\n' });
  file = await sb.store.putPath(join(sb.dir, 'src/model.txt'));
  tree = await sb.store.putPath(join(sb.dir, 'src/dir'));
});
afterEach(async () => sb.cleanup());

describe('writeArtifact', () => {
  it('writes a file artifact to stdout for -', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
    await writeArtifact(sb.store, file, '-', { stdout: out });
    expect(Buffer.concat(chunks).toString()).toBe('weights\n');
    await expect(writeArtifact(sb.store, tree, '-', { stdout: out })).rejects.toThrow(/directory artifact, which cannot go to stdout/);
  });

  it('refuses an existing destination without --force, and leaves it untouched', async () => {
    const dest = join(sb.dir, 'mine.txt');
    await writeFile(dest, 'my notes\n');
    await expect(writeArtifact(sb.store, file, dest)).rejects.toThrow(/already exists \(a file\); pass --force/);
    expect(await readFile(dest, 'utf8')).toBe('my notes\n');
    await expect(writeArtifact(sb.store, file, join(sb.dir, 'src'))).rejects.toThrow(UsageError); // a directory: no raw EISDIR
  });

  it('replaces a directory whole with --force: stale files do not survive', async () => {
    const dest = join(sb.dir, 'out');
    await mkdir(join(dest, 'old'), { recursive: true });
    await writeFile(join(dest, 'stale.txt'), 'stale');
    await writeArtifact(sb.store, tree, dest, { force: true });
    expect((await readdir(dest)).sort()).toEqual(['a.txt', 'sub']);
    expect((await readdir(sb.dir)).filter((n) => n.includes('.pw-'))).toEqual([]);
  });

  it('never replaces a link, a device or a FIFO, even with --force', async () => {
    const link = join(sb.dir, 'link');
    await symlink('/etc/hostname', link);
    await expect(writeArtifact(sb.store, file, link, { force: true })).rejects.toThrow(/not a regular file or directory .* refusing to replace it, even with --force/);
    await expect(writeArtifact(sb.store, file, '/dev/null', { force: true })).rejects.toThrow(/refusing to replace it/);
  });

  it('writes a new destination, and gives a clear error when its folder is a file', async () => {
    await writeArtifact(sb.store, file, join(sb.dir, 'new.txt'));
    expect(await readFile(join(sb.dir, 'new.txt'), 'utf8')).toBe('weights\n');
    await expect(writeArtifact(sb.store, file, join(sb.dir, 'new.txt/x'))).rejects.toThrow(/new\.txt\/x: goes through a file where a folder is expected \(ENOTDIR\); choose another destination/);
    // A missing folder is not created (as for cp): the destination's folder must exist.
    await expect(writeArtifact(sb.store, file, join(sb.dir, 'no/such/x'))).rejects.toThrow(/its folder .*no\/such does not exist; create it first/);
    await expect(writeArtifact(sb.store, file, '/proc/pw-x')).rejects.toThrow(/kernel's \/proc filesystem/);
    await expect(writeArtifact(sb.store, file, '')).rejects.toThrow(/destination is empty/);
  });
});

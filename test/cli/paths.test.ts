/**
 * The command line's filesystem boundary (lib/cli/private/paths.ts) and the one errno-to-words mapping
 * (lib/errors.ts): the rules one by one; test/cli/hostile-paths.integration.test.ts drives them through every
 * command of the compiled CLI.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputPath, specialFilesystem, storeLocation, writeOutputFile } from '../../lib/cli/private/paths';
import { describeFsError, isPathError, pathUsageError, UsageError } from '../../lib/errors';

let dir: string;
const savedStore = process.env.PIPEWRIGHT_STORE;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-paths-'));
  writeFileSync(join(dir, 'file'), 'x');
  mkdirSync(join(dir, 'folder'));
  symlinkSync('/nonexistent/pw', join(dir, 'dangling'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  if (savedStore === undefined) delete process.env.PIPEWRIGHT_STORE;
  else process.env.PIPEWRIGHT_STORE = savedStore;
});

describe('describeFsError / isPathError', () => {
  it('turns the errno of a real failure into words with the code, and recognizes only path errors', async () => {
    const err = await lstat(join(dir, 'file', 'x')).catch((e: unknown) => e);
    expect(isPathError(err)).toBe(true);
    expect(describeFsError(err)).toBe('goes through a file where a folder is expected (ENOTDIR)');
    expect(pathUsageError(err, '--out file/x', 'give another path').message).toBe(
      '--out file/x: goes through a file where a folder is expected (ENOTDIR); give another path',
    );
    const nul = await lstat('a\0b').catch((e: unknown) => e);
    expect(isPathError(nul)).toBe(true);
    expect(describeFsError(nul)).toMatch(/NUL byte/);
    expect(isPathError(new Error('plain'))).toBe(false);
    expect(isPathError(Object.assign(new Error('x'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBe(false);
  });
});

describe('storeLocation', () => {
  it('names where the location came from: --store, PIPEWRIGHT_STORE or the default', () => {
    expect(() => storeLocation(join(dir, 'file'))).toThrow(/^--store .*file: is a regular file, not a directory; give --store a directory/);
    process.env.PIPEWRIGHT_STORE = join(dir, 'file');
    expect(() => storeLocation(undefined)).toThrow(/^PIPEWRIGHT_STORE=.*file: is a regular file, not a directory; set PIPEWRIGHT_STORE to/);
    expect(() => storeLocation('')).toThrow(/^--store: the path is empty/);
  });

  it('lets a missing store be created (unless it must exist) but never under a file, on /proc, /sys or /dev, or through a dangling link', () => {
    expect(storeLocation(join(dir, 'new', 'deep'))).toBe(join(dir, 'new', 'deep'));
    expect(() => storeLocation(join(dir, 'new'), { mustExist: true })).toThrow(/no store there/);
    expect(() => storeLocation(join(dir, 'file', 'deeper', 'x'))).toThrow(/ENOTDIR/);
    expect(() => storeLocation('/proc/pw-x')).toThrow(/kernel's \/proc filesystem/);
    expect(() => storeLocation('/dev/pw-x')).toThrow(/kernel's \/dev filesystem/);
    expect(() => storeLocation(join(dir, 'dangling'))).toThrow(/symbolic link to \/nonexistent\/pw, which does not exist/);
    expect(() => storeLocation('n'.repeat(300))).toThrow(/too long .*ENAMETOOLONG/);
    expect(storeLocation('s3://bucket/prefix')).toBe('s3://bucket/prefix');
    expect(storeLocation(join(dir, 'folder'))).toBe(join(dir, 'folder'));
  });
});

describe('checkOutputPath / writeOutputFile', () => {
  it('refuses directories, links, devices, kernel filesystems and missing folders with UsageErrors', () => {
    const fix = 'give another path';
    expect(() => checkOutputPath(join(dir, 'folder'), '--out x', fix)).toThrow(/^--out x: is a directory, not a file; give another path$/);
    expect(checkOutputPath(join(dir, 'folder'), '--out x', fix, { allowDirectory: true }).existing?.isDirectory()).toBe(true);
    expect(() => checkOutputPath(join(dir, 'dangling'), '--out x', fix)).toThrow(/symbolic link .* refusing to write through it/);
    expect(() => checkOutputPath('/dev/full', '--out x', fix)).toThrow(/is a device, not a regular file/);
    expect(() => checkOutputPath('/proc/self/status', '--out x', fix)).toThrow(/kernel's \/proc filesystem/);
    expect(() => checkOutputPath(join(dir, 'no', 'x'), '--out x', fix)).toThrow(/its folder .*no does not exist; create it first \(mkdir -p/);
    expect(() => checkOutputPath('', '--out ', fix)).toThrow(/^--out: the path is empty/);
    expect(() => checkOutputPath(join(dir, 'file', 'x'), '--out x', fix)).toThrow(UsageError);
  });

  it('replaces an existing file whole, keeping its mode, and leaves no temporary file behind', async () => {
    const out = join(dir, 'out.json');
    writeFileSync(out, 'old', { mode: 0o640 });
    await writeOutputFile(out, 'new', '--out out.json', 'fix');
    expect(readFileSync(out, 'utf8')).toBe('new');
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).filter((n) => n.includes('.pw-'))).toEqual([]);
  });

  it('treats /dev/shm as an ordinary folder and /proc, /sys and /dev as kernel filesystems', () => {
    expect(specialFilesystem('/dev/shm/x')).toBeUndefined();
    expect(specialFilesystem('/sys/x')).toBe('/sys');
    expect(specialFilesystem(join(dir, 'x'))).toBeUndefined();
  });
});

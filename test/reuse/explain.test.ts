import { writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainKeys, shortRef } from '../../lib/reuse';
import { type Sandbox, sandbox } from './fixtures';
import { type CacheKeyDocument } from '../../lib/protocol';

let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
});
afterEach(async () => sb.cleanup());

const H1 = `sha256:${'ab12'.repeat(16)}` as const;
const H2 = `sha256:${'cd34'.repeat(16)}` as const;
const doc = (over: Partial<CacheKeyDocument> = {}): CacheKeyDocument => ({
  v: 1,
  code: null,
  command: ['node', 'train.mjs'],
  image: 'node:20',
  env: {},
  inputs: { train: H1 },
  params: { epochs: 300 },
  outputs: ['model'],
  cacheVersion: null,
  ...over,
});

describe('explainKeys', () => {
  it('says nothing for equal documents', async () => {
    expect(await explainKeys(doc(), doc())).toEqual([]);
  });

  it('names each differing component with its old and new value', async () => {
    const lines = await explainKeys(
      doc(),
      doc({
        inputs: { train: H2, extra: H1 },
        params: { epochs: 500 },
        command: ['node', 'train.mjs', '--fast mode'],
        image: 'node:22',
        env: { FOO: 'x' },
        outputs: ['model', 'plot'],
        cacheVersion: '2',
      }),
    );
    expect(lines).toEqual([
      "command: node train.mjs → node train.mjs '--fast mode'",
      'image: node:20 → node:22',
      'env FOO: (none) → "x"',
      'input extra: (none) → sha256:ab12ab12…',
      'input train: sha256:ab12ab12… → sha256:cd34cd34…',
      'param epochs: 300 → 500',
      'outputs: [model] → [model, plot]',
      'cacheVersion: (none) → "2"',
    ]);
  });

  it('names the code files that changed, were added or removed, with the code folder prefix', async () => {
    await sb.write({ 'v1/train.mjs': 'a', 'v1/lib/x.mjs': 'x', 'v1/old.mjs': 'o' });
    const before = await sb.store.putPath(join(sb.dir, 'v1'));
    await writeFile(join(sb.dir, 'v1/train.mjs'), 'b');
    await unlink(join(sb.dir, 'v1/old.mjs'));
    await sb.write({ 'v1/lib/new.mjs': 'n' });
    const after = await sb.store.putPath(join(sb.dir, 'v1'));
    expect(await explainKeys(doc({ code: before }), doc({ code: after }), { store: sb.store, codePrefix: 'steps/' })).toEqual([
      'code: steps/lib/new.mjs added',
      'code: steps/old.mjs removed',
      'code: steps/train.mjs changed',
    ]);
    // Without a store only the tree hashes can be shown.
    expect(await explainKeys(doc({ code: before }), doc({ code: after }))).toEqual([`code: ${shortRef(before)} → ${shortRef(after)}`]);
  });
});

/**
 * The layers of docs/architecture.md are enforced by the linter: the rule bites, and the document's
 * "may import" table is the one the linter uses (layers.mjs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LAMBDAS, LAYERS } from '../layers.mjs';

const ROOT = join(__dirname, '..');

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the import rules', () => {
  it('fail the lint when a layer imports one the table forbids', async () => {
    // GIVEN a compiler file that imports the engine (the compiler may import only ir and protocol)
    const messages = await lint('lib/compiler/forbidden.ts', "import { startRun } from '../engine';\nexport const x = startRun;\n");
    // THEN the lint names the rule and the table
    expect(messages).toEqual([expect.stringMatching(/no-restricted-paths: .*lib\/compiler may not import lib\/engine: see the table in docs\/architecture\.md/)]);
  });

  it('fail the lint when an allowed folder is reached past its index.ts', async () => {
    const messages = await lint('lib/engine/reach.ts', "import { hexOf } from '../store/hash';\nexport const x = hexOf;\n");
    expect(messages).toEqual([expect.stringMatching(/no-restricted-paths: .*Import lib\/store through its index\.ts/)]);
  });

  it('keep lambdas/ off the engine and aws-cdk-lib', async () => {
    const messages = await lint('lambdas/bad.ts', "import { startRun } from '../lib/engine';\nimport { App } from 'aws-cdk-lib';\nexport const x = [startRun, App];\n");
    expect(messages).toEqual([
      expect.stringMatching(/no-restricted-paths: .*lambdas\/ may not import lib\/engine/),
      expect.stringMatching(/no-restricted-imports: .*must not import aws-cdk-lib/),
    ]);
  });

  it('let a layer import what the table allows, through the index', async () => {
    expect(await lint('lib/engine/fine.ts', "import { hexOf } from '../store';\nexport const x = hexOf;\n")).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  it("lists every folder with exactly the imports layers.mjs enforces", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const rows = new Map<string, string[]>();
    for (const m of doc.matchAll(/^\| `(lib\/[a-z]+\/|lambdas\/)` \| [^|]+ \| ([^|]*) \|$/gm)) {
      const imports = [...m[2].matchAll(/\b([a-z]+)\b/g)].map((x) => x[1]).filter((w) => w in LAYERS);
      rows.set(m[1], imports.sort());
    }
    const expected = new Map<string, string[]>(Object.entries(LAYERS).map(([k, v]) => [`lib/${k}/`, [...v].sort()]));
    expected.set('lambdas/', [...LAMBDAS].sort());
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
  });
});

/**
 * `pipewright validate <file> [--json]`: checks a definition and reports every problem at once.
 *
 * A TypeScript module is also type-checked, with the TypeScript of its own project, when that project has one.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DefinitionError, UsageError, type Problem } from '../../errors';
import { loadPipeline, typeCheckModule, type TypeCheckResult } from '../../spec';

interface ValidateFlags {
  readonly json?: boolean;
  readonly typecheck?: boolean;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Type-checks `.ts`/`.mts`/`.cts` modules; undefined for every other kind of file or with `--no-typecheck`. */
async function typeCheck(file: string, flags: ValidateFlags): Promise<TypeCheckResult | undefined> {
  if (flags.typecheck === false || !/\.[mc]?ts$/i.test(file)) return undefined;
  // A path that is not a readable regular file gets the loader's one-line error, without a note about type-checking.
  if (!isFile(file)) return undefined;
  return typeCheckModule(resolve(file));
}

/** Loads the definition and returns every problem (type errors first) and its step count when valid. */
async function check(file: string, typed: TypeCheckResult | undefined, json: boolean): Promise<{ problems: Problem[]; steps?: number }> {
  const problems: Problem[] = [...(typed?.problems ?? [])];
  try {
    const steps = Object.keys((await loadPipeline(file)).steps).length;
    return problems.length > 0 ? { problems } : { problems, steps };
  } catch (err) {
    if (err instanceof DefinitionError) problems.push(...err.problems);
    else if (err instanceof UsageError && json) problems.push(...err.problems.map((message) => ({ file, path: '', message })));
    // --json prints JSON whatever happens (a file that cannot be read, a module that throws, …).
    else if (json) problems.push({ file, path: '', message: `cannot check the definition: ${(err as Error)?.message ?? String(err)}` });
    else throw err;
    return { problems };
  }
}

/** Registers `validate`. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a pipeline definition and print every problem (file:line: path: message); exit 2 if any')
    .argument('<file>', 'pipeline definition: .yaml, .yml, .json, .ts, .mts, .js or .mjs')
    .option('--json', 'print {"valid": bool, "problems": [...]} on stdout instead')
    .option('--no-typecheck', "do not type-check a TypeScript module (it is checked with its project's TypeScript by default)")
    .action(async (file: string, flags: ValidateFlags) => {
      const typed = await typeCheck(file, flags);
      if (typed && !typed.checked && !flags.json) process.stderr.write(`note: ${file} was not type-checked: ${typed.reason}\n`);
      const { problems, steps } = await check(file, typed, flags.json === true);
      const valid = problems.length === 0;
      if (!flags.json) {
        if (!valid) throw new DefinitionError(problems);
        const checked = typed?.checked ? ', type-checked' : '';
        process.stdout.write(`${file}: OK (${steps} step${steps === 1 ? '' : 's'}${checked})\n`);
        return;
      }
      const typeChecked = typed === undefined ? {} : { typeChecked: typed.checked, ...(typed.reason ? { note: typed.reason } : {}) };
      process.stdout.write(`${JSON.stringify(valid ? { valid, steps, ...typeChecked, problems } : { valid, ...typeChecked, problems }, null, 2)}\n`);
      if (!valid) process.exitCode = 2;
    });
}

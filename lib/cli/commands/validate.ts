/**
 * `pipewright validate <file> [--json]`: checks a definition and reports every problem at once.
 */
import type { Command } from 'commander';
import { DefinitionError, UsageError, type Problem } from '../../errors';
import { loadPipeline } from '../../spec';

interface ValidateFlags {
  readonly json?: boolean;
}

/** Registers `validate`. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check a pipeline definition and print every problem (file:line: path: message); exit 2 if any')
    .argument('<file>', 'pipeline definition: .yaml, .yml, .json, .ts, .mts, .js or .mjs')
    .option('--json', 'print {"valid": bool, "problems": [...]} on stdout instead')
    .action(async (file: string, flags: ValidateFlags) => {
      if (!flags.json) {
        const ir = await loadPipeline(file);
        const n = Object.keys(ir.steps).length;
        process.stdout.write(`${file}: OK (${n} step${n === 1 ? '' : 's'})\n`);
        return;
      }
      let problems: readonly Problem[] = [];
      let steps: number | undefined;
      try {
        steps = Object.keys((await loadPipeline(file)).steps).length;
      } catch (err) {
        if (err instanceof DefinitionError) problems = err.problems;
        else if (err instanceof UsageError) problems = err.problems.map((message) => ({ file, path: '', message }));
        // --json prints JSON whatever happens (a file that cannot be read, a module that throws, …).
        else problems = [{ file, path: '', message: `cannot check the definition: ${(err as Error)?.message ?? String(err)}` }];
      }
      const valid = problems.length === 0;
      process.stdout.write(`${JSON.stringify(valid ? { valid, steps, problems } : { valid, problems }, null, 2)}\n`);
      if (!valid) process.exitCode = 2;
    });
}

/**
 * `pipewright compile <file> [--out file.json] [--pretty] [--json]`: prints the compiled state machine.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compile, renderDefinition } from '../../compiler/index';
import { loadPipeline } from '../../spec/load';

interface CompileFlags {
  readonly out?: string;
  readonly pretty?: boolean;
  readonly json?: boolean;
}

/** Registers `compile`. */
export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('Compile a pipeline to its Step Functions definition (ASL with ${...} placeholders)')
    .argument('<file>', 'pipeline definition: .yaml, .yml, .json, .ts, .mts, .js or .mjs')
    .option('--out <file>', 'write the output to this file and print a one-line summary on stderr')
    .option('--pretty', 'indent the JSON (the deployed definition is minified)')
    .option('--json', 'output {"definition", "jobDefinitions", "placeholders"} instead of the definition alone')
    .action(async (file: string, flags: CompileFlags) => {
      const compiled = compile(await loadPipeline(file));
      const value = flags.json
        ? { definition: compiled.definition, jobDefinitions: compiled.jobDefinitions, placeholders: compiled.placeholders }
        : compiled.definition;
      const text = flags.pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
      if (!flags.out) {
        process.stdout.write(`${text}\n`);
        return;
      }
      writeFileSync(flags.out, `${text}\n`);
      const steps = Object.keys(compiled.stateNames.run).length;
      const bytes = renderDefinition(compiled).length;
      process.stderr.write(
        `${flags.out}: ${countStates(compiled.definition.States)} states, ${bytes} bytes minified ` +
          `(${steps ? Math.round(bytes / steps) : 0} bytes/step over ${steps} steps), ` +
          `${compiled.jobDefinitions.length} job definition${compiled.jobDefinitions.length === 1 ? '' : 's'}\n`,
      );
    });
}

/** Number of states, counting those inside Parallel branches. */
function countStates(states: Readonly<Record<string, { Type: string; Branches?: ReadonlyArray<{ States: object }> }>>): number {
  let n = 0;
  for (const state of Object.values(states)) {
    n++;
    for (const b of state.Branches ?? []) n += countStates(b.States as Parameters<typeof countStates>[0]);
  }
  return n;
}

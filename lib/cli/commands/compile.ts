/**
 * `pipewright compile <file> [--out file.json] [--pretty] [--json]`: prints the compiled state machine.
 */
import type { Command } from 'commander';
import { compile, countStates, DEFINITION_SIZE_LIMIT, renderDefinition } from '../../compiler';
import { loadPipeline } from '../../spec';
import { checkOutputPath, writeOutputFile } from '../private/paths';

interface CompileFlags {
  readonly out?: string;
  readonly pretty?: boolean;
  readonly json?: boolean;
}

const OUT_FIX = 'give --out a file path in an existing folder, or omit --out to print on stdout';

/** Registers `compile`. */
export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('Compile a pipeline to its Step Functions definition (ASL with ${...} placeholders)')
    .argument('<file>', 'pipeline definition: .yaml, .yml, .json, .ts, .mts, .js or .mjs')
    .option('--out <file>', 'write the output to this file and print a one-line summary on stderr (- for stdout)')
    .option('--pretty', 'indent the JSON (the deployed definition is minified)')
    .option('--json', 'output {"definition", "jobDefinitions", "placeholders"} instead of the definition alone')
    .action(async (file: string, flags: CompileFlags) => {
      // Checked before compiling: a bad --out fails at once and writes nothing.
      // `--out -` is stdout, as for get and report: never a file named '-'.
      const out = flags.out === '-' ? undefined : flags.out;
      if (out !== undefined) checkOutputPath(out, `--out ${out}`, OUT_FIX);
      const compiled = compile(await loadPipeline(file));
      const value = flags.json
        ? { definition: compiled.definition, jobDefinitions: compiled.jobDefinitions, placeholders: compiled.placeholders }
        : compiled.definition;
      const text = flags.pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
      const bytes = renderDefinition(compiled).length;
      if (bytes > DEFINITION_SIZE_LIMIT) {
        process.stderr.write(
          `warning: ${file}: the definition is ${bytes} characters; Step Functions accepts at most ${DEFINITION_SIZE_LIMIT}, ` +
            `so it runs locally but will not deploy; shorten step names (8-9 bytes per character per step) or split the pipeline\n`,
        );
      }
      if (out === undefined) {
        process.stdout.write(`${text}\n`);
        return;
      }
      await writeOutputFile(out, `${text}\n`, `--out ${out}`, OUT_FIX);
      const steps = Object.keys(compiled.stateNames.run).length;
      process.stderr.write(
        `${out}: ${countStates(compiled.definition)} states, ${bytes} bytes minified ` +
          `(${steps ? Math.round(bytes / steps) : 0} bytes/step over ${steps} steps), ` +
          `${compiled.jobDefinitions.length} job definition${compiled.jobDefinitions.length === 1 ? '' : 's'}\n`,
      );
    });
}


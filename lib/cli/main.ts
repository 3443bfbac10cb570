/**
 * The `pipewright` command line: one module per command under `commands/`, errors mapped to exit codes.
 *
 * Exit status: 0 success, 1 a run failed, 2 invalid definition or arguments.
 */
import { Command, CommanderError } from 'commander';
import { DefinitionError, UsageError, describeFsError, exitCodeFor, fsErrorFix, isPathError } from '../errors';
import { didYouMean } from '../spec';
import { COMMANDS } from './commands/index';

/** Builds the program with every command registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('pipewright')
    .description('Machine-learning pipelines as code: run locally, deploy to AWS Step Functions + Batch.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI with argv and returns the exit status (never calls process.exit itself). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // An unknown command with --help would print the main help and exit 0; it is an error like any unknown command.
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-')) {
    const names = [...program.commands.map((c) => c.name()), 'help'];
    if (!names.includes(first)) {
      const hint = didYouMean(first, names);
      process.stderr.write(`error: unknown command '${first}'.${hint} Commands: ${names.join(', ')}; run pipewright --help for usage.\n`);
      return 2;
    }
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof DefinitionError) {
      process.stderr.write(`${err.message}\n${err.problems.length} problem(s) found; nothing was written.\n`);
    } else if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.problems.join('\nerror: ')}\n`);
    } else if (isPathError(err)) {
      // A path the commands did not check up front: still one line naming it and the fix, exit 2, never a raw errno message.
      process.stderr.write(`error: ${err.path ?? 'a path'}: ${describeFsError(err)}; ${fsErrorFix(err)}\n`);
      if (process.env.PIPEWRIGHT_DEBUG) process.stderr.write(`${err.stack}\n`);
      return 2;
    } else {
      const e = err as Error;
      process.stderr.write(`error: ${e?.message ?? String(err)}\n`);
      if (process.env.PIPEWRIGHT_DEBUG) process.stderr.write(`${e?.stack}\n`);
    }
    return exitCodeFor(err);
  }
}

// bin/pipewright imports the compiled module and calls main(); this is for `tsx lib/cli/main.ts`.
const isEntry = process.argv[1] && /cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

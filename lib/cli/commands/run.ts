/**
 * `pipewright run <pipeline> [--param name=value]...`: runs a pipeline on this machine.
 */
import type { Command } from 'commander';
import { startRun, createProgressReporter } from '../../engine';
import { UsageError } from '../../errors';
import { loadPipeline, resolveParameters } from '../../spec';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';

interface RunFlags {
  readonly param: string[];
  readonly cache: boolean;
  readonly store?: string;
  readonly concurrency?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly requireGpus?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `--param name=value` flags into a name → string map; UsageError listing every malformed one. */
export function parseParamFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      problems.push(`--param ${JSON.stringify(flag)}: expected name=value, e.g. --param epochs=500`);
      continue;
    }
    const name = flag.slice(0, eq);
    if (Object.hasOwn(out, name)) {
      problems.push(`--param ${name} is given more than once (${JSON.stringify(out[name])} and ${JSON.stringify(flag.slice(eq + 1))}); give each parameter once`);
      continue;
    }
    Object.defineProperty(out, name, { value: flag.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  if (problems.length) throw new UsageError(problems.join('\n'), problems);
  return out;
}

/** Parses `--concurrency`; UsageError unless it is a positive integer. */
export function parseConcurrency(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new UsageError(`--concurrency: expected a positive integer (steps at once), e.g. --concurrency 4; received ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Registers `run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run a pipeline on this machine, reusing every step whose inputs did not change')
    .argument('<pipeline>', 'pipeline definition: .yaml, .yml, .json or .ts')
    .option('--param <name=value>', 'set a parameter (repeatable); parsed by its declared type', collect, [])
    .option('--no-cache', 'ignore the store: run every step')
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .option('--concurrency <n>', 'most steps at once (default: CPU count)')
    .option('--json', 'print the run document as JSON on stdout (progress goes to stderr)')
    .option('--verbose', "stream each step's stdout and stderr")
    .option('--require-gpus', 'fail before running when a step asks for GPUs and none are present')
    .action(async (file: string, flags: RunFlags) => {
      const concurrency = parseConcurrency(flags.concurrency);
      const given = parseParamFlags(flags.param);
      const pipeline = await loadPipeline(file);
      const parameters = resolveParameters(pipeline, given, { fromStrings: true });
      const store = openStore(storeLocation(flags.store));
      // Live view only on a terminal; with stdout redirected (a log file, CI capture) plain lines, unless
      // stdout carries the --json document and stderr is still the terminal.
      const live = Boolean(process.stderr.isTTY) && (Boolean(process.stdout.isTTY) || Boolean(flags.json)) && !process.env.CI;
      const reporter = createProgressReporter({ stream: process.stderr, live, verbose: flags.verbose });
      const handle = startRun({
        trigger: 'cli',
        pipeline,
        store,
        parameters,
        noCache: !flags.cache,
        concurrency,
        requireGpus: flags.requireGpus,
        verbose: flags.verbose,
        onEvent: (e) => reporter.onEvent(e),
      });
      let interrupts = 0;
      const onSignal = (): void => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\ninterrupted: stopping running steps (press Ctrl-C again to quit at once)\n');
        handle.cancel();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const doc = await handle.result;
        if (flags.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        process.exitCode = doc.status === 'succeeded' ? 0 : doc.status === 'cancelled' ? 130 : 1;
      } finally {
        reporter.close();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/**
 * `pipewright get <runId> <step>.<output> <dest>`: writes one artifact of a run to a file or directory.
 */
import type { Command } from 'commander';
import { loadRun } from '../../engine';
import { NotFoundError, UsageError } from '../../errors';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';
import { writeArtifact } from '../private/write-artifact';

/** Registers `get`. */
export function registerGet(program: Command): void {
  program
    .command('get')
    .description("Write a step's output (a file or a directory) from the store to dest, verifying its hashes")
    .argument('<runId>', "run id, or 'latest'")
    .argument('<output>', 'the artifact as <step>.<output>, e.g. train.model')
    .argument('<dest>', 'where to write it (- for stdout; an existing file or folder only with --force)')
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .option('--force', 'replace an existing regular file or directory at dest, whole')
    .action(async (runId: string, what: string, dest: string, flags: { store?: string; force?: boolean }) => {
      const dot = what.indexOf('.');
      if (dot <= 0 || dot === what.length - 1) {
        throw new UsageError(`expected <step>.<output>, e.g. train.model; received ${JSON.stringify(what)}`);
      }
      const step = what.slice(0, dot);
      const output = what.slice(dot + 1);
      const store = openStore(storeLocation(flags.store));
      const doc = await loadRun(store, runId);
      const result = doc.steps[step];
      if (!result) {
        throw new NotFoundError(`Run ${doc.runId} has no step '${step}'; its steps are: ${Object.keys(doc.steps).join(', ')}.`);
      }
      const ref = result.outputs?.[output];
      if (!ref) {
        const have = Object.keys(result.outputs ?? {});
        throw new NotFoundError(
          have.length
            ? `Step '${step}' of run ${doc.runId} has no output '${output}'; its outputs are: ${have.join(', ')}.`
            : `Step '${step}' of run ${doc.runId} produced no outputs (status: ${result.status}).`,
        );
      }
      const where = await writeArtifact(store, ref, dest, { force: flags.force });
      process.stderr.write(`wrote ${step}.${output} (${ref}) to ${where}\n`);
    });
}

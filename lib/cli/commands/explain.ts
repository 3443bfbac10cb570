/**
 * `pipewright explain <runId> <step>`: why a step ran or was reused.
 */
import type { Command } from 'commander';
import { explainStep } from '../../engine';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';

/** Registers `explain`. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('Say why a step ran or was reused: which cache-key components changed since its previous record')
    .argument('<runId>', "run id, or 'latest'")
    .argument('<step>', 'step name')
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .action(async (runId: string, step: string, flags: { store?: string }) => {
      const store = openStore(storeLocation(flags.store));
      const e = await explainStep(store, runId, step);
      process.stdout.write(`${e.step} in run ${e.runId}\n${e.lines.join('\n')}\n`);
    });
}

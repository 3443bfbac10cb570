/**
 * `pipewright lineage <ref>`: the runs and steps that produced and consumed an artifact.
 */
import type { Command } from 'commander';
import type { ApiLineageUse } from '../../api';
import { HISTORY_OPTIONS, openHistory, type HistoryFlags } from './history-reader';
import { table } from './runs';

function rows(uses: readonly ApiLineageUse[]): string[][] {
  return uses.map((u) => [u.pipeline, u.runId, u.step, u.name, u.status]);
}

/** Registers `lineage`. */
export function registerLineage(program: Command): void {
  const cmd = program
    .command('lineage')
    .description('Show which runs and steps produced and consumed an artifact')
    .argument('<ref>', 'artifact hash (sha256:…, tree:sha256:…) or <runId>.<step>.<output>');
  for (const [flag, help] of HISTORY_OPTIONS) cmd.option(flag, help);
  cmd.option('--json', 'print the lineage as JSON').action(async (ref: string, flags: HistoryFlags & { json?: boolean }) => {
    const l = await (await openHistory(flags)).history.lineage(ref);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(l, null, 2)}\n`);
      return;
    }
    const out = [`artifact ${l.artifact} (${l.runsScanned} run(s) searched)`, '', 'produced by:'];
    out.push(l.producedBy.length ? table([['PIPELINE', 'RUN', 'STEP', 'OUTPUT', 'STATUS'], ...rows(l.producedBy)]) : '  (no run)');
    out.push('', 'consumed by:');
    out.push(l.consumedBy.length ? table([['PIPELINE', 'RUN', 'STEP', 'INPUT', 'STATUS'], ...rows(l.consumedBy)]) : '  (no run)');
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

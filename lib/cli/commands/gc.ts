/**
 * `pipewright gc`: prunes the store (a folder or s3://) to the runs worth keeping and what they need.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors';
import { collectGarbage } from '../../gc';
import { CasStore, openStore } from '../../store';
import { storeLocation } from '../private/paths';

interface GcFlags {
  readonly store?: string;
  readonly keepLast: string;
  readonly newerThan?: string;
  readonly dryRun?: boolean;
  readonly grace: string;
  readonly json?: boolean;
}

function parseCount(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: expected a whole number ≥ 0, e.g. ${flag} 10; received ${JSON.stringify(text)}`);
  return Number(text);
}

/** Registers `gc`. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('Delete old runs and every record and blob no kept run, pin or deployed pipeline needs (safe while runs execute)')
    .option('--store <dir>', 'artifact store: a directory or s3://bucket/prefix (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .option('--keep-last <n>', 'runs kept per pipeline, newest first', '10')
    .option('--newer-than <date>', 'also keep every run started at or after this ISO date, e.g. 2026-11-01')
    .option('--grace <minutes>', 'never delete anything modified within this many minutes', '60')
    .option('--dry-run', 'report what would be freed; delete nothing')
    .option('--json', 'print the report as JSON')
    .action(async (flags: GcFlags) => {
      const keepLast = parseCount('--keep-last', flags.keepLast);
      const grace = parseCount('--grace', flags.grace);
      let newerThan: Date | undefined;
      if (flags.newerThan !== undefined) {
        newerThan = new Date(flags.newerThan);
        if (Number.isNaN(newerThan.getTime())) throw new UsageError(`--newer-than: expected an ISO date such as 2026-11-01 or 2026-11-01T12:00:00Z; received ${JSON.stringify(flags.newerThan)}`);
      }
      const store = openStore(storeLocation(flags.store, { mustExist: true }));
      if (!(store instanceof CasStore)) throw new UsageError('gc needs a filesystem or S3 store');
      const report = await collectGarbage(store, {
        keepLast,
        newerThan,
        dryRun: flags.dryRun,
        graceMs: grace * 60_000,
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const verb = report.dryRun ? 'would delete' : 'deleted';
      process.stdout.write(
        `${store.location}: kept ${report.runsKept} run(s); ${verb} ${report.runsDeleted} run(s), ${report.recordsDeleted} record(s), ` +
          `${report.blobsDeleted} blob(s), ${(report.bytesFreed / (1024 * 1024)).toFixed(1)} MiB\n`,
      );
    });
}

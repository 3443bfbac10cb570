/**
 * `pipewright logs <runId> <step>`: the captured stdout and stderr of one step of a run.
 */
import type { Command } from 'commander';
import { loadRun } from '../../engine';
import { NotFoundError, UsageError } from '../../errors';
import { readStepRecord, runKey, type StepRunDocument } from '../../protocol';
import { openStore, type ArtifactStore, type Hash } from '../../store';
import { storeLocation } from '../private/paths';

/** The blob hashes of a step's captured streams in a run; NotFoundError saying why when there are none. */
export async function stepStreams(
  store: ArtifactStore,
  runId: string,
  step: string,
): Promise<{ runId: string; stdout: Hash; stderr: Hash }> {
  const doc = await loadRun(store, runId);
  const result = doc.steps[step];
  if (!result) {
    throw new NotFoundError(
      `Run ${doc.runId} has no step '${step}'; its steps are: ${Object.keys(doc.steps).join(', ') || '(none yet)'}.`,
    );
  }
  const stepDoc = await store.getJson<StepRunDocument>(runKey(doc.runId, step));
  if (stepDoc?.stdout && stepDoc.stderr) return { runId: doc.runId, stdout: stepDoc.stdout, stderr: stepDoc.stderr };
  if (result.cacheKey) {
    const record = await readStepRecord(store, result.cacheKey);
    if (record) return { runId: doc.runId, stdout: record.stdout, stderr: record.stderr };
  }
  throw new NotFoundError(
    `Step '${step}' of run ${doc.runId} has no captured output (status: ${result.status}${result.error ? `: ${result.error}` : ''}).`,
  );
}

/** Registers `logs`. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("Print a step's captured stdout and stderr (of the recorded execution when it was reused)")
    .argument('<runId>', "run id, or 'latest'")
    .argument('<step>', 'step name')
    .option('--stream <name>', 'only this stream, on stdout: stdout or stderr')
    .option('--store <dir>', 'artifact store directory (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .action(async (runId: string, step: string, flags: { stream?: string; store?: string }) => {
      if (flags.stream !== undefined && flags.stream !== 'stdout' && flags.stream !== 'stderr') {
        throw new UsageError(`--stream: expected stdout or stderr; received ${JSON.stringify(flags.stream)}`);
      }
      const store = openStore(storeLocation(flags.store));
      const streams = await stepStreams(store, runId, step);
      if (flags.stream) {
        process.stdout.write(await store.getBytes(streams[flags.stream]));
        return;
      }
      process.stdout.write(await store.getBytes(streams.stdout));
      process.stderr.write(await store.getBytes(streams.stderr));
    });
}

/**
 * Why a step of a run ran or was reused (`pipewright explain`).
 */
import { NotFoundError } from '../errors';
import { readStepRecord, type CacheKeyDocument } from '../protocol';
import { explainKeys } from '../reuse';
import type { ArtifactStore, Hash } from '../store';
import { listRuns, loadRun } from './runs';

/** The explanation of one step: a headline and the lines that support it. */
export interface StepExplanation {
  readonly runId: string;
  readonly step: string;
  readonly lines: readonly string[];
}

async function keyDocument(store: ArtifactStore, key: Hash | undefined): Promise<CacheKeyDocument | undefined> {
  if (!key) return undefined;
  try {
    return (await readStepRecord(store, key))?.keyDocument;
  } catch {
    return undefined;
  }
}

/**
 * Explains a step of a run against the most recent earlier run of the same pipeline that recorded it.
 *
 * Reused: names the record's key and the run that recorded it. Ran: lists the key components that differ
 * from that earlier record, or says it is the first run of the step, or why an unchanged key re-ran.
 */
export async function explainStep(store: ArtifactStore, runId: string, step: string): Promise<StepExplanation> {
  const doc = await loadRun(store, runId);
  const result = doc.steps[step];
  if (!result) {
    throw new NotFoundError(`Run ${doc.runId} has no step '${step}'; its steps are: ${Object.keys(doc.steps).join(', ') || '(none yet)'}.`);
  }
  const out = (lines: string[]): StepExplanation => ({ runId: doc.runId, step, lines });
  if (result.status === 'reused' && result.cacheKey) {
    const record = await readStepRecord(store, result.cacheKey).catch(() => undefined);
    return out([`reused: key ${result.cacheKey} recorded by run ${record?.runId ?? '(record no longer in the store)'}`]);
  }
  if (result.status === 'skipped' && !result.cacheKey) {
    return out([`skipped: the step never started because another step failed or the run was stopped`]);
  }
  const head =
    result.status === 'ran'
      ? `ran: key ${result.cacheKey}`
      : `${result.status}: key ${result.cacheKey ?? '(none)'}${result.error ? ` (${result.error})` : ''}`;
  const current = await keyDocument(store, result.cacheKey);

  const earlier = (await listRuns(store))
    .filter((r) => r.pipeline === doc.pipeline && r.runId < doc.runId && r.steps[step]?.cacheKey)
    .reverse();
  for (const prev of earlier) {
    const prevKey = prev.steps[step].cacheKey as Hash;
    const previous = await keyDocument(store, prevKey);
    if (!previous) continue;
    if (prevKey === result.cacheKey) {
      return out([
        head,
        `same key as run ${prev.runId}: it ran anyway because of --no-cache, cache: false, or a missing or damaged record`,
      ]);
    }
    if (!current) {
      return out([head, `compared with run ${prev.runId}: key ${prevKey} (this run's key document was not recorded)`]);
    }
    const diffs = await explainKeys(previous, current, { store });
    return out([head, `compared with run ${prev.runId} (key ${prevKey}):`, ...diffs.map((d) => `  ${d}`)]);
  }
  return out([head, 'first run of this step: no earlier run of this pipeline recorded it']);
}

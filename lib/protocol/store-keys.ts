/**
 * Where the run protocol's documents live in a store, relative to its root directory or bucket prefix.
 *
 * The content-addressed part (`cas/sha256/<hex>`, `uris/`, `quarantine/`) belongs to lib/store; everything
 * a pipeline writes beside it is named here and nowhere else:
 * - `records/<hex>.json`          the step record for cache key `sha256:<hex>` (written last)
 * - `runs/<runId>.json`           a run document (local engine)
 * - `runs/<runId>/<step>.json`    one step's result within a run (written by lookup or the runner)
 * - `runs/<runId>/_finally.json`  which finally-only execution ran a stopped run's finally-steps (lookup)
 * - `runs/<runId>/_reused-<step>.json`  the items of a foreach step this run reuses, named before reuse (lookup)
 * - `registry/<name>.json`        a published pipeline (written at deploy time)
 * - `idempotency/<hex>.json`      which run a trigger's idempotency key started (local twin)
 * - `engine/asl-validated/<hex>.json`  a definition the local engine found valid
 */
import { hexOf, type Hash } from '../store';

/** The prefix of every run document. */
export const RUNS_PREFIX = 'runs/';
/** The prefix of every step record. */
export const RECORDS_PREFIX = 'records/';
/** The default prefix of published pipelines' registry entries. */
export const REGISTRY_PREFIX = 'registry/';

/** The step record for a cache key: `records/<hex>.json`. */
export function recordKey(key: Hash): string {
  return `${RECORDS_PREFIX}${hexOf(key)}.json`;
}

/** A run's document: `runs/<runId>.json`. */
export function runDocumentKey(runId: string): string {
  return `${RUNS_PREFIX}${runId}.json`;
}

/** The run id a run document's key names; undefined for any other key. */
export function runIdOfDocumentKey(key: string): string | undefined {
  return /^runs\/([^/]+)\.json$/.exec(key)?.[1];
}

/** The prefix of a run's step documents: `runs/<runId>/`. */
export function runStepsPrefix(runId: string): string {
  return `${RUNS_PREFIX}${runId}/`;
}

/** One step's document within a run: `runs/<runId>/<step>.json`. */
export function runKey(runId: string, step: string): string {
  return `${runStepsPrefix(runId)}${step}.json`;
}

/** Where a stopped run's finally-only execution is named: `runs/<runId>/_finally.json` (no step name starts with `_`). */
export function stoppedRunFinallyKey(runId: string): string {
  return `${runStepsPrefix(runId)}_finally.json`;
}

/** One foreach item's job document within a run, beside its step's: `runs/<runId>/<step>/<index>.json`. */
export function runItemKey(runId: string, step: string, index: number): string {
  return `${runStepsPrefix(runId)}${step}/${index}.json`;
}

/**
 * The items of a foreach step a run reuses, named before their reuse (lib/gc): `runs/<runId>/_reused-<step>.json`
 * (no step name starts with `_`, so it is never taken for a step document).
 */
export function reusedItemsKey(runId: string, step: string): string {
  return `${runStepsPrefix(runId)}_reused-${step}.json`;
}

/** A published pipeline's registry entry: `<prefix><name>.json`. */
export function registryKey(name: string, prefix: string = REGISTRY_PREFIX): string {
  return `${prefix}${name}.json`;
}

/** The local idempotency entry of a (pipeline, key) hash: `idempotency/<hex>.json`. */
export function idempotencyKey(hash: string): string {
  return `idempotency/${hash}.json`;
}

/** The marker saying a definition (by hex hash) passed the local engine's validation. */
export function validatedDefinitionKey(hex: string): string {
  return `engine/asl-validated/${hex}.json`;
}

/**
 * Pruning a store: `collectGarbage(store, { keepLast, newerThan, dryRun })` (the `pipewright gc` command).
 */
export { collectGarbage, type GcOptions, type GcPhase, type GcReport } from './collect';

/**
 * The run history: the read side of runs (pages of runs, one run with its DAG, steps with logs and metric
 * series, explain between runs, lineage), over a local store or deployed executions.
 */
export type * from './types';
export { createRunHistory, withHistory, summarize, DEFAULT_PAGE, LINEAGE_RUNS, LOG_TAIL_BYTES, MAX_PAGE, type RunHistory } from './history';
export { cloudRunSource, triggerOfExecutionName, type CloudRunSourceOptions } from './cloud-source';
export { routeHistory, HISTORY_ROUTES } from './routes';

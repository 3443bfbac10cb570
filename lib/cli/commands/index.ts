/** Every CLI command, in the order `--help` lists them. */
import type { Command } from 'commander';
import { registerRun } from './run';
import { registerRuns } from './runs';
import { registerShow } from './show';
import { registerLogs } from './logs';
import { registerGet } from './get';
import { registerExplain } from './explain';
import { registerValidate } from './validate';
import { registerCompile } from './compile';
import { registerGraph } from './graph';
import { registerServe } from './serve';
import { registerTrigger } from './trigger';
import { registerStatus } from './status';
import { registerCancel } from './cancel';
import { registerPreflight } from './preflight';
import { registerCompare } from './compare';
import { registerMetrics } from './metrics';
import { registerLineage } from './lineage';
import { registerReport } from './report';

/** Adds one command to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerRun,
  registerRuns,
  registerShow,
  registerLogs,
  registerGet,
  registerExplain,
  registerCompare,
  registerMetrics,
  registerLineage,
  registerReport,
  registerValidate,
  registerCompile,
  registerGraph,
  registerServe,
  registerTrigger,
  registerStatus,
  registerCancel,
  registerPreflight,
];

/** Every CLI command, in the order `--help` lists them. */
import type { Command } from 'commander';

/** Adds one command to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [];

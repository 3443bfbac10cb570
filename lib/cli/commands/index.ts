/** Every CLI command, in the order `--help` lists them. */
import type { Command } from 'commander';
import { registerValidate } from './validate';

/** Adds one command to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerValidate];

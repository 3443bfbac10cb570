/**
 * Where a local `pipewright serve` listens unless told otherwise (the server's default and the CLI's help).
 */

/** The default port of `pipewright serve`. */
export const DEFAULT_PORT = 8787;

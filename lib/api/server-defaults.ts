/**
 * Defaults of `pipewright serve`, kept apart from the server so the CLI can show them without loading the engine.
 */

/** The default port of `pipewright serve`. */
export const DEFAULT_PORT = 8787;

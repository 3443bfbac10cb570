/**
 * Helpers for the spec tests: a temp folder with a `steps/` directory and a `data.csv` file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefinitionError, type Problem } from '../../lib/errors';
import type { PipelineIR } from '../../lib/ir/types';
import { parseSpec } from '../../lib/spec/parse';

/** Makes a temp folder holding `steps/` (a directory) and `data.csv` (a file). */
export function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-spec-'));
  mkdirSync(join(dir, 'steps'));
  writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
  return dir;
}

/** Parses `text` as if it were `<dir>/<name>`; returns the IR. */
export function parseIn(dir: string, text: string, name = 'pipeline.yaml'): PipelineIR {
  return parseSpec(text, name, { source: join(dir, name) });
}

/** Parses `text` and returns the problems (fails the test if it is valid). */
export function problemsOf(dir: string, text: string, name = 'pipeline.yaml'): readonly Problem[] {
  try {
    parseIn(dir, text, name);
  } catch (err) {
    if (err instanceof DefinitionError) return err.problems;
    throw err;
  }
  throw new Error(`expected the definition to be invalid:\n${text}`);
}

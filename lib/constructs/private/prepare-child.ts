/**
 * Child-process entry of `preparePipelineSync`: reads `{pipeline, opts}` JSON on stdin, answers on stdout.
 */
import { readFileSync } from 'node:fs';
import { DefinitionError } from '../../errors';
import { preparePipeline, type PrepareChildAnswer } from '../prepare';

async function main(): Promise<void> {
  const { pipeline, opts } = JSON.parse(readFileSync(0, 'utf8'));
  let answer: PrepareChildAnswer;
  try {
    answer = { ok: true, prepared: await preparePipeline(pipeline, opts) };
  } catch (err) {
    const e = err as Error;
    answer = {
      ok: false,
      name: e?.name ?? 'Error',
      message: e?.message ?? String(err),
      problems: err instanceof DefinitionError ? err.problems : undefined,
    };
  }
  process.stdout.write(JSON.stringify(answer));
}

void main();

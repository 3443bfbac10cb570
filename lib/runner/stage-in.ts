/**
 * Stage-in: materializes a job's code, inputs and parameters into a staging directory.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadJobSpec, type JobSpec } from '../protocol';
import type { ArtifactStore, Hash } from '../store';
import { contractEnv } from './env';
import { stepDirLayout } from './layout';
import { renderStepScript } from './step-script';

/** A staged job: its spec, the contract env (without the host's) and the working directory. */
export interface StagedJob {
  readonly spec: JobSpec;
  readonly env: Record<string, string>;
  readonly cwd: string;
}

/**
 * Prepares `dir` for running job `jobHash`: `work/` (a fresh copy of the code tree, or empty), `inputs/<x>`,
 * an empty `outputs/`, `params.json`, an empty `metrics.jsonl` and `step.sh`.
 *
 * Everything is a copy: nothing the step does there reaches the store or the user's checkout.
 */
export async function stageIn(store: ArtifactStore, jobHash: Hash, dir: string): Promise<StagedJob> {
  const spec = await loadJobSpec(store, jobHash);
  const layout = stepDirLayout(dir);
  const created = await mkdir(dir, { recursive: true });
  // A retried attempt may reuse the directory: start from a clean slate (a directory just created is one).
  if (created === undefined) await Promise.all(
    [layout.work, layout.inputs, layout.outputs, layout.stdout, layout.stderr, layout.exitCode, layout.startedAt, layout.finishedAt].map((p) =>
      rm(p, { recursive: true, force: true }),
    ),
  );
  if (spec.code) {
    await store.materialize(spec.code, layout.work);
  } else {
    await mkdir(layout.work);
  }
  await Promise.all([mkdir(layout.inputs), mkdir(layout.outputs)]);
  const env = contractEnv(spec, layout);
  await Promise.all([
    ...Object.entries(spec.inputs).map(([name, ref]) => store.materialize(ref, join(layout.inputs, name))),
    writeFile(layout.params, `${JSON.stringify(spec.params, null, 2)}\n`),
    writeFile(layout.metrics, ''),
    writeFile(layout.script, renderStepScript(spec, layout, env), { mode: 0o755 }),
    writeFile(layout.staged, `${JSON.stringify({ job: jobHash, stagedAt: new Date().toISOString() })}\n`),
  ]);
  return { spec, env, cwd: layout.work };
}

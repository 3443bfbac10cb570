/**
 * Prepares a pipeline for deployment: load, compile, and build its manifest into a staging store directory.
 *
 * CDK constructs are synchronous while loading and manifest building are not, so a CDK app either awaits
 * `preparePipeline` and passes the result to `PublishedPipeline`, or passes an IR or a file and lets the
 * construct run the same preparation in a child process (`preparePipelineSync`, about a second slower).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type CompiledPipeline, renderDefinition } from '../compiler';
import { DefinitionError, type Problem } from '../errors';
import type { PipelineIR } from '../ir';
import { buildManifest } from '../manifest';
import { loadPipeline } from '../spec';
import { createFsStore, type Hash } from '../store';
import { prepareChildArgs } from './private/package-assets';

/** A pipeline ready to publish. */
export interface PreparedPipeline {
  readonly ir: PipelineIR;
  readonly compiled: CompiledPipeline;
  /** The compiled definition as minified JSON, with `${...}` placeholders. */
  readonly definition: string;
  /** The manifest's hash (fills `${Manifest}`). */
  readonly manifestHash: Hash;
  /** A filesystem store holding the manifest and every code tree and `path:` input it names. */
  readonly stagingDir: string;
}

/** Options of `preparePipeline`. */
export interface PreparePipelineOptions {
  /** Directory of the staging store. @default - a new directory under the OS temp directory, removed when the process exits */
  readonly stagingDir?: string;
}

const stagingDirs = new Set<string>();

/** Removes `dir` when this process exits (CDK has copied it into the cloud assembly by then). */
function removeOnExit(dir: string): void {
  if (stagingDirs.size === 0) {
    process.once('exit', () => {
      for (const d of stagingDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  stagingDirs.add(dir);
}

/** A new staging directory under the OS temp directory, removed at exit unless `keep`. */
function newStagingDir(keep: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipewright-stage-'));
  if (!keep) removeOnExit(dir);
  return dir;
}

/** Internal option: the child process of `preparePipelineSync` leaves its directory to the parent. */
const KEEP_STAGING = '__keepStaging';

/** Whether a value is a PreparedPipeline rather than an IR or a path. */
export function isPreparedPipeline(v: unknown): v is PreparedPipeline {
  return typeof v === 'object' && v !== null && 'manifestHash' in v && 'stagingDir' in v && 'compiled' in v;
}

/** Loads (when given a path), compiles and stages a pipeline. */
export async function preparePipeline(
  pipeline: PipelineIR | string,
  opts: PreparePipelineOptions = {},
): Promise<PreparedPipeline> {
  const ir = typeof pipeline === 'string' ? await loadPipeline(pipeline) : pipeline;
  const compiled = compile(ir);
  const stagingDir = opts.stagingDir ?? newStagingDir(KEEP_STAGING in opts);
  const { hash } = await buildManifest(ir, createFsStore(stagingDir));
  return { ir, compiled, definition: renderDefinition(compiled), manifestHash: hash, stagingDir };
}

/** What the child process answers on stdout. */
export type PrepareChildAnswer =
  | { readonly ok: true; readonly prepared: PreparedPipeline }
  | { readonly ok: false; readonly name: string; readonly message: string; readonly problems?: readonly Problem[] };

/**
 * `preparePipeline` for synchronous callers (a construct constructor): runs it in a child Node process.
 *
 * Definition errors come back as the same `DefinitionError`, with every problem.
 */
export function preparePipelineSync(pipeline: PipelineIR | string, opts: PreparePipelineOptions = {}): PreparedPipeline {
  const res = spawnSync(process.execPath, prepareChildArgs(), {
    input: JSON.stringify({ pipeline, opts: { ...opts, [KEEP_STAGING]: true } }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  let answer: PrepareChildAnswer;
  try {
    answer = JSON.parse(res.stdout) as PrepareChildAnswer;
  } catch {
    throw new Error(`preparing the pipeline failed (exit ${res.status}): ${res.stderr.trim() || res.stdout.trim()}`);
  }
  if (answer.ok) {
    if (opts.stagingDir === undefined) removeOnExit(answer.prepared.stagingDir);
    return answer.prepared;
  }
  if (answer.problems) throw new DefinitionError(answer.problems);
  const err = new Error(answer.message);
  err.name = answer.name;
  throw err;
}

/**
 * Builds a pipeline's manifest into a store: code trees and `path:` inputs as content, the rest as data.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DefinitionError } from '../errors';
import type { PipelineIR, StepIR } from '../ir';
import type { ManifestInput, ManifestStep, PipelineManifest } from '../protocol';
import { canonicalJson, type ArtifactRef, type ArtifactStore, type Hash } from '../store';

/** Options for `buildManifest`. */
export interface BuildManifestOptions {
  /** Called with a line of progress for each directory or file stored. @default - no progress */
  readonly onProgress?: (msg: string) => void;
  /** Where each step's `passEnv` variables are read. @default process.env */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/** The stored manifest and its hash (the value of the `${Manifest}` placeholder). */
export interface BuiltManifest {
  readonly hash: Hash;
  readonly manifest: PipelineManifest;
}

/**
 * Stores every step's code directory and `path:` input, then the manifest itself as canonical JSON.
 *
 * Identical content gives an identical hash; a directory shared by several steps is hashed once per call.
 */
export async function buildManifest(
  ir: PipelineIR,
  store: ArtifactStore,
  opts: BuildManifestOptions = {},
): Promise<BuiltManifest> {
  const stored = new Map<string, Promise<ArtifactRef>>();
  const put = (path: string, what: string, where: string): Promise<ArtifactRef> => {
    const abs = resolve(path);
    let ref = stored.get(abs);
    if (!ref) {
      ref = storePath(store, ir, abs, what, where, opts.onProgress);
      stored.set(abs, ref);
    }
    return ref;
  };

  const environment = opts.environment ?? process.env;
  const unset = Object.values(ir.steps).flatMap((st) =>
    (st.passEnv ?? []).flatMap((k, i) =>
      environment[k] === undefined
        ? [{ file: ir.source, path: `steps.${st.name}.passEnv[${i}]`, message: `${k} is not set in this environment, so it cannot be passed through; set it (e.g. ${k}=… pipewright run …) or remove it from passEnv` }]
        : [],
    ),
  );
  if (unset.length > 0) throw new DefinitionError(unset);

  const steps: Record<string, ManifestStep> = {};
  // Steps are independent here; store them concurrently (the memo keeps shared paths to one pass).
  const built = await Promise.all(Object.values(ir.steps).map((s) => buildStep(s, put, environment)));
  for (const s of built) steps[s.name] = s;

  const manifest: PipelineManifest = {
    v: 1,
    pipeline: ir.name,
    parameters: ir.parameters,
    steps,
  };
  const hash = await store.putBytes(Buffer.from(canonicalJson(manifest), 'utf8'));
  opts.onProgress?.(`manifest ${hash}`);
  return { hash, manifest };
}

type PutFn = (path: string, what: string, where: string) => Promise<ArtifactRef>;

async function buildStep(step: StepIR, put: PutFn, environment: Readonly<Record<string, string | undefined>>): Promise<ManifestStep> {
  const code = step.code !== undefined ? await put(step.code, 'code directory', `steps.${step.name}.code`) : null;
  const inputs: Record<string, ManifestInput> = {};
  for (const [name, input] of Object.entries(step.inputs)) {
    if (input.kind === 'path') {
      inputs[name] = { kind: 'artifact', ref: await put(input.path, 'input', `steps.${step.name}.inputs.${name}`) };
    } else if (input.kind === 'step') {
      inputs[name] = { kind: 'step', step: input.step, output: input.output };
    } else {
      inputs[name] = { kind: 'uri', uri: input.uri };
    }
  }
  return {
    name: step.name,
    code,
    command: [...step.command],
    image: step.image,
    // Passed-through values join the declared env, and so the cache key (sorted: canonical JSON sorts keys).
    env: { ...step.env, ...Object.fromEntries((step.passEnv ?? []).map((k) => [k, environment[k]!])) },
    inputs,
    params: [...step.params],
    outputs: [...step.outputs],
    compute: { ...step.compute },
    retries: step.retries,
    timeoutSeconds: step.timeoutSeconds,
    cache: step.cache,
    cacheVersion: step.cacheVersion ?? null,
    ...(step.foreach ? { foreach: step.foreach } : {}),
    ...(step.when ? { when: step.when } : {}),
    ...(step.final ? { final: true } : {}),
  };
}

async function storePath(
  store: ArtifactStore,
  ir: PipelineIR,
  path: string,
  what: string,
  where: string,
  onProgress?: (msg: string) => void,
): Promise<ArtifactRef> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new DefinitionError([
      {
        file: ir.source,
        path: where,
        message: `${what} ${path} does not exist; expected ${what === 'code directory' ? 'a directory' : 'a file or directory'} there. Create it or fix the path (relative paths are resolved against the definition file's folder).`,
      },
    ]);
  }
  if (what === 'code directory' && !isDir) {
    throw new DefinitionError([
      { file: ir.source, path: where, message: `code ${path} is a file; expected a directory (the step's working directory is a copy of it). Point code at the folder that holds the file.` },
    ]);
  }
  onProgress?.(`storing ${path}`);
  const ref = await store.putPath(path);
  onProgress?.(`stored ${path} as ${ref}`);
  return ref;
}

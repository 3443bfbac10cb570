/**
 * The pipeline manifest: what the compiled state machine refers to by hash (`${Manifest}`).
 *
 * The compiled ASL stays small and independent of file contents: each step's lookup task passes only the
 * step name; the manifest blob, built at run time (local engine) or at synth time (CDK), holds the rest.
 */
import { NotFoundError, UsageError } from '../errors';
import type { ParameterIR, StepIR } from '../ir';
import type { ArtifactRef, ArtifactStore, Hash } from '../store';
import { ShapeChecker } from './private/shape';

/** Where a step input comes from, with local data already stored. */
export type ManifestInput =
  | { readonly kind: 'step'; readonly step: string; readonly output: string }
  /** A `path:` input, stored in the CAS when the manifest was built. */
  | { readonly kind: 'artifact'; readonly ref: ArtifactRef }
  | { readonly kind: 'uri'; readonly uri: string };

/**
 * One step as the lookup handler and the runner see it: the step's IR with its code and `path:` inputs
 * replaced by stored content (lib/manifest's `buildManifest` is the mapping).
 */
export interface ManifestStep
  extends Pick<StepIR, 'name' | 'command' | 'image' | 'env' | 'params' | 'outputs' | 'compute' | 'retries' | 'timeoutSeconds' | 'cache'> {
  /** Tree of the step's code directory. @default null - empty working directory */
  readonly code: ArtifactRef | null;
  readonly inputs: Readonly<Record<string, ManifestInput>>;
  readonly cacheVersion: string | null;
}

/** A pipeline's manifest, stored as canonical JSON in the CAS; its hash fills `${Manifest}`. */
export interface PipelineManifest {
  readonly v: 1;
  readonly pipeline: string;
  readonly parameters: Readonly<Record<string, ParameterIR>>;
  readonly steps: Readonly<Record<string, ManifestStep>>;
}

/** Parses and checks a manifest blob; UsageError listing every problem when it is not a manifest. */
export function decodeManifest(bytes: Uint8Array, hash: Hash): PipelineManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new UsageError(`Blob ${hash} is not a pipewright manifest: not JSON (${(err as Error).message}).`);
  }
  const c = new ShapeChecker();
  if (c.object(doc, 'manifest')) {
    c.expect(doc.v === 1, 'manifest.v', '1', doc.v);
    c.string(doc.pipeline, 'manifest.pipeline');
    c.object(doc.parameters, 'manifest.parameters');
    c.map(doc.steps, 'manifest.steps', (s, path) => checkStep(c, s, path));
  }
  if (c.problems.length > 0) {
    throw new UsageError(`Blob ${hash} is not a pipewright manifest:\n  ${c.problems.join('\n  ')}`, c.problems);
  }
  return doc as PipelineManifest;
}

function checkStep(c: ShapeChecker, s: unknown, path: string): void {
  if (!c.object(s, path)) return;
  c.string(s.name, `${path}.name`);
  c.ref(s.code, `${path}.code`, true);
  c.strings(s.command, `${path}.command`, true);
  c.string(s.image, `${path}.image`);
  c.map(s.env, `${path}.env`, (v, p) => c.string(v, p));
  c.map(s.inputs, `${path}.inputs`, (v, p) => checkInput(c, v, p));
  c.strings(s.params, `${path}.params`);
  c.strings(s.outputs, `${path}.outputs`);
  if (c.object(s.compute, `${path}.compute`)) {
    for (const k of ['vcpus', 'memory', 'gpus'] as const) c.number(s.compute[k], `${path}.compute.${k}`);
    c.string(s.compute.queue, `${path}.compute.queue`);
  }
  c.number(s.retries, `${path}.retries`);
  c.number(s.timeoutSeconds, `${path}.timeoutSeconds`);
  c.boolean(s.cache, `${path}.cache`);
  c.expect(s.cacheVersion === null || typeof s.cacheVersion === 'string', `${path}.cacheVersion`, 'a string or null', s.cacheVersion);
}

function checkInput(c: ShapeChecker, v: unknown, path: string): void {
  if (!c.object(v, path)) return;
  if (v.kind === 'step') {
    c.string(v.step, `${path}.step`);
    c.string(v.output, `${path}.output`);
  } else if (v.kind === 'artifact') {
    c.ref(v.ref, `${path}.ref`);
  } else if (v.kind === 'uri') {
    c.string(v.uri, `${path}.uri`);
  } else {
    c.expect(false, `${path}.kind`, "'step', 'artifact' or 'uri'", v.kind);
  }
}

/** Reads and checks the manifest stored under `hash`; NotFoundError naming the store when it is absent. */
export async function loadManifest(store: ArtifactStore, hash: Hash): Promise<PipelineManifest> {
  try {
    return decodeManifest(await store.getBytes(hash), hash);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`Manifest ${hash} is not in the store (${store.location}); build it with buildManifest first.`);
    }
    throw err;
  }
}

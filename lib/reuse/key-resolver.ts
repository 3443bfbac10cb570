/**
 * Resolves a step's CacheKeyDocument within one execution: inputs by content, upstream steps by their records.
 */
import { RunFailedError, UsageError } from '../errors';
import type { ParameterValue } from '../ir';
import { cacheKey, readStepRecord, runKey, type CacheKeyDocument, type JobItem, type ManifestStep, type PipelineManifest, type StepRunDocument } from '../protocol';
import { refHash, type ArtifactRef, type ArtifactStore, type Hash } from '../store';
import { checkItemCount, itemsOfArtifact, itemsOfValues } from './foreach-items';

/** Turns an external `uri:` input into content in the store (e.g. by copying the object); returns its reference. */
export type UriResolver = (uri: string, step: string, input: string) => Promise<ArtifactRef>;

/** A step's key and the document it hashes. */
export interface ResolvedKey {
  readonly key: Hash;
  readonly doc: CacheKeyDocument;
  /** A foreach step's items, each with its own key (the step's document plus the item's content). @default - not a foreach step */
  readonly items?: readonly ResolvedItem[];
}

/** One item of a foreach step and its cache key. */
export interface ResolvedItem {
  readonly item: JobItem;
  readonly key: Hash;
  readonly doc: CacheKeyDocument;
}

/** Options for a `KeyResolver`. */
export interface KeyResolverOptions {
  readonly store: ArtifactStore;
  readonly manifest: PipelineManifest;
  /** The execution's parameter values (every declared parameter, typed). */
  readonly params: Readonly<Record<string, ParameterValue>>;
  /** Resolves `uri:` inputs. @default - a `uri:` input fails with a message naming the step and input */
  readonly resolveUri?: UriResolver;
  /**
   * The run whose step documents stand in for an upstream record that `pipewright gc` has deleted and not yet
   * restored (see lib/gc/collect.ts). @default - none: a missing upstream record fails the consumer
   */
  readonly runId?: string;
}

/**
 * Computes cache keys for the steps of one execution, memoizing keys and the upstream outputs found.
 *
 * Keys depend only on the manifest, the parameters and recorded upstream outputs, so they are memoized for
 * the execution; a missing upstream record is never memoized (the upstream step may still be running).
 * The manifest is built from a validated IR, so its steps form a DAG (lib/spec checks that, once).
 */
export class KeyResolver {
  private readonly keys = new Map<string, Promise<ResolvedKey>>();
  private readonly outputs = new Map<string, Promise<Readonly<Record<string, ArtifactRef>>>>();

  constructor(private readonly opts: KeyResolverOptions) {}

  /** The manifest this resolver reads. */
  public get manifest(): PipelineManifest {
    return this.opts.manifest;
  }

  /** The key of a step (computing upstream keys as needed). */
  public resolve(step: string): Promise<ResolvedKey> {
    return this.resolveIn(step);
  }

  private resolveIn(step: string, consumer?: string): Promise<ResolvedKey> {
    let p = this.keys.get(step);
    if (!p) {
      p = this.compute(step, consumer);
      this.keys.set(step, p);
      p.catch(() => this.keys.delete(step));
    }
    return p;
  }

  private async compute(name: string, consumer?: string): Promise<ResolvedKey> {
    const step = this.stepNamed(name, consumer);
    const inputs: Record<string, ArtifactRef> = {};
    for (const [input, source] of Object.entries(step.inputs)) {
      if (source.kind === 'artifact') {
        inputs[input] = source.ref;
      } else if (source.kind === 'uri') {
        if (!this.opts.resolveUri) {
          throw new RunFailedError(
            `Step '${name}' input '${input}': uri inputs (${source.uri}) are not supported by this store (${this.opts.store.location}); ` +
              `expected a 'path:' input or another step's output. Copy the data next to the pipeline and use 'path:' instead.`,
            name,
          );
        }
        inputs[input] = await this.opts.resolveUri(source.uri, name, input);
      } else {
        const upstream = await this.resolveIn(source.step, name);
        const outputs = await this.upstreamOutputs(source.step, upstream.key, name);
        const ref = outputs[source.output];
        if (ref === undefined) {
          throw new RunFailedError(
            `Step '${name}' input '${input}' reads output '${source.output}' of step '${source.step}', but the record of '${source.step}' ` +
              `(${upstream.key}) has only [${Object.keys(outputs).sort().join(', ')}]; fix the input or the upstream outputs.`,
            name,
          );
        }
        inputs[input] = ref;
      }
    }
    const params: Record<string, ParameterValue> = {};
    for (const p of step.params) {
      const v = this.opts.params[p];
      if (v === undefined) {
        throw new UsageError(
          `Step '${name}' declares parameter '${p}' but the run has no value for it; pass --param ${p}=<value> or give it a default.`,
        );
      }
      params[p] = v;
    }
    const doc: CacheKeyDocument = {
      v: 1,
      code: step.code,
      command: [...step.command],
      image: step.image,
      env: { ...step.env },
      inputs,
      params,
      outputs: [...step.outputs].sort(),
      cacheVersion: step.cacheVersion,
    };
    if (!step.foreach) return { key: cacheKey(doc), doc };
    return this.withItems(step, doc);
  }

  /** A foreach step's items and keys: each item's key adds its content; the step's key lists the item keys and names. */
  private async withItems(step: ManifestStep, base: CacheKeyDocument): Promise<ResolvedKey> {
    const source = step.foreach!.source;
    const name = step.name;
    let items: JobItem[];
    if (source.kind === 'param') {
      const values = this.opts.params[source.name];
      if (!Array.isArray(values)) {
        throw new UsageError(
          `Step '${name}' iterates over parameter '${source.name}', which is not a list in this run (received ${JSON.stringify(values)}); ` +
            `pass a list, e.g. --param ${source.name}=a,b,c.`,
        );
      }
      checkItemCount(values.length, `parameter '${source.name}'`, name);
      items = await itemsOfValues(values, this.opts.store);
    } else {
      let ref: ArtifactRef;
      let what: string;
      if (source.kind === 'uri') {
        if (!this.opts.resolveUri) {
          throw new RunFailedError(`Step '${name}': foreach over ${source.uri} needs S3 access, which this store (${this.opts.store.location}) does not have.`, name);
        }
        ref = await this.opts.resolveUri(source.uri, name, 'foreach');
        what = source.uri;
      } else {
        const upstream = await this.resolveIn(source.step, name);
        const outputs = await this.upstreamOutputs(source.step, upstream.key, name);
        const found = outputs[source.output];
        if (found === undefined) {
          throw new RunFailedError(
            `Step '${name}' iterates over output '${source.output}' of step '${source.step}', but its record has only ` +
              `[${Object.keys(outputs).sort().join(', ')}]; fix the foreach source or the upstream outputs.`,
            name,
          );
        }
        ref = found;
        what = `${source.step}.${source.output}`;
      }
      items = await itemsOfArtifact(ref, this.opts.store, what, name);
      checkItemCount(items.length, what, name);
    }
    const resolved = items.map((item): ResolvedItem => {
      const doc: CacheKeyDocument = { ...base, item: item.ref !== undefined ? { ref: item.ref } : { value: item.value! } };
      return { item, key: cacheKey(doc), doc };
    });
    const doc: CacheKeyDocument = { ...base, items: { keys: resolved.map((r) => r.key), names: items.map((i) => i.name) } };
    return { key: cacheKey(doc), doc, items: resolved };
  }

  private upstreamOutputs(step: string, key: Hash, consumer: string): Promise<Readonly<Record<string, ArtifactRef>>> {
    const memo = `${step}\n${key}`;
    let p = this.outputs.get(memo);
    if (!p) {
      p = readStepRecord(this.opts.store, key).then(async (record) => {
        const outputs = record?.outputs ?? (await this.outputsOfRunDocument(step, key));
        if (!outputs) {
          throw new RunFailedError(
            `Step '${consumer}' needs the outputs of step '${step}', but the store (${this.opts.store.location}) has no record of ` +
              `'${step}' for key ${key}; '${step}' must succeed before '${consumer}' runs.`,
            consumer,
          );
        }
        return outputs;
      });
      this.outputs.set(memo, p);
      p.catch(() => this.outputs.delete(memo));
    }
    return p;
  }

  /** The outputs this run's document of `step` names for `key`, when it finished and they are all present. */
  private async outputsOfRunDocument(step: string, key: Hash): Promise<Readonly<Record<string, ArtifactRef>> | undefined> {
    if (this.opts.runId === undefined) return undefined;
    const doc = await this.opts.store.getJson<StepRunDocument>(runKey(this.opts.runId, step)).catch(() => undefined);
    if (doc?.cacheKey !== key || (doc.status !== 'ran' && doc.status !== 'reused')) return undefined;
    return (await outputsPresent(this.opts.store, doc.outputs)) ? doc.outputs : undefined;
  }

  private stepNamed(name: string, consumer?: string): ManifestStep {
    const step = this.opts.manifest.steps[name];
    if (!step) {
      const known = Object.keys(this.opts.manifest.steps).sort().join(', ');
      throw new RunFailedError(
        consumer
          ? `Step '${consumer}' reads from step '${name}', which pipeline '${this.opts.manifest.pipeline}' does not have (steps: ${known}).`
          : `Pipeline '${this.opts.manifest.pipeline}' has no step '${name}' (steps: ${known}).`,
        consumer ?? name,
      );
    }
    return step;
  }
}

/** Whether every output's blob is in the store (a record taken from a run document or a claim must still have them). */
export async function outputsPresent(store: ArtifactStore, outputs: Readonly<Record<string, ArtifactRef>>): Promise<boolean> {
  const present = await Promise.all(Object.values(outputs).map((ref) => store.has(refHash(ref))));
  return present.every(Boolean);
}

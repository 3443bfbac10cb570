/**
 * The registry of published pipelines the cloud API serves: one JSON entry per pipeline, written at deploy time.
 *
 * Entries live in the artifact store at `registry/<name>.json` (`PublishedPipeline` writes them with a
 * BucketDeployment); `PIPEWRIGHT_PIPELINES` (a JSON array of entries) replaces the store lookup when set.
 */
import { registryKey, REGISTRY_PREFIX, type RegistryEntry } from '../protocol';
import type { ArtifactStore } from '../store';

/** The default store prefix of registry entries. */
export const DEFAULT_REGISTRY_PREFIX = REGISTRY_PREFIX;

/** Where the API finds published pipelines. */
export interface PipelineRegistry {
  /** The entry of one pipeline; undefined when none is published under that name. */
  get(name: string): Promise<RegistryEntry | undefined>;
  /** Every entry, sorted by name. */
  list(): Promise<RegistryEntry[]>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** A registry over a fixed list of entries (e.g. parsed from `PIPEWRIGHT_PIPELINES`). */
export function staticRegistry(entries: readonly RegistryEntry[]): PipelineRegistry {
  const sorted = [...entries].sort((a, b) => a.name.localeCompare(b.name));
  return {
    get: async (name) => sorted.find((e) => e.name === name),
    list: async () => sorted,
  };
}

/** A registry reading `<prefix><name>.json` documents from the store. */
export function storeRegistry(store: ArtifactStore, prefix = DEFAULT_REGISTRY_PREFIX): PipelineRegistry {
  const p = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    async get(name) {
      if (!NAME.test(name)) return undefined;
      return store.getJson<RegistryEntry>(registryKey(name, p));
    },
    async list() {
      const keys = (await store.list(p)).filter((k) => k.endsWith('.json'));
      const entries = await Promise.all(keys.map((k) => store.getJson<RegistryEntry>(k)));
      return entries.filter((e): e is RegistryEntry => e !== undefined).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

/** Parses `PIPEWRIGHT_PIPELINES` (a JSON array of registry entries); throws naming the variable when malformed. */
export function parseRegistryJson(text: string): RegistryEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`PIPEWRIGHT_PIPELINES is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value)) throw new Error('PIPEWRIGHT_PIPELINES must be a JSON array of registry entries');
  value.forEach((e, i) => {
    const ok = e && typeof e === 'object' && typeof e.name === 'string' && typeof e.stateMachineArn === 'string' && typeof e.aliasArn === 'string';
    if (!ok) throw new Error(`PIPEWRIGHT_PIPELINES[${i}] needs "name", "stateMachineArn" and "aliasArn" strings`);
  });
  return (value as RegistryEntry[]).map((e) => ({ ...e, parameters: e.parameters ?? {}, steps: e.steps ?? [] }));
}

/**
 * A published pipeline's registry entry: written at deploy time by `PublishedPipeline`, read by the API.
 */
import type { ParameterIR } from '../ir';

/** One published pipeline, as `registry/<name>.json` holds it. */
export interface RegistryEntry {
  readonly v: 1;
  readonly name: string;
  /** @default - none */
  readonly description?: string;
  /** ARN of the state machine (unqualified). */
  readonly stateMachineArn: string;
  /** ARN of the `live` alias (what the API starts when no version is given). */
  readonly aliasArn: string;
  /** Hash of the live pipeline manifest in the store. */
  readonly manifest: string;
  /** The live definition's parameter declarations. */
  readonly parameters: Readonly<Record<string, ParameterIR>>;
  /** The live definition's step names, in definition order. */
  readonly steps: readonly string[];
}

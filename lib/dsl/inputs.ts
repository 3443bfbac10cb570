/**
 * Step inputs for the DSL: typed output handles, local paths and URIs.
 */

/** A handle on one declared output of a step; passing it as an input wires the dependency. */
export class OutputRef {
  constructor(
    /** The step that writes the output. */
    public readonly step: string,
    /** The output's name. */
    public readonly output: string,
  ) {}

  /** The spec form of the reference: `<step>.<output>`. */
  public toString(): string {
    return `${this.step}.${this.output}`;
  }
}

/** A handle on a metric a step declares; in a template string it reads `<step>.metrics.<name>` (for `when`). */
export class MetricRef {
  constructor(
    public readonly step: string,
    public readonly metric: string,
  ) {}

  /** The condition form: `<step>.metrics.<name>`. */
  public toString(): string {
    return `${this.step}.metrics.${this.metric}`;
  }
}

/** A local file or directory, relative to the DSL file's folder. */
export interface PathInput {
  readonly path: string;
}

/** An external object or prefix, e.g. `s3://bucket/key`. */
export interface UriInput {
  readonly uri: string;
}

/** Anything a step may take as an input. */
export type Input = OutputRef | PathInput | UriInput;

/** A local file or directory input; relative paths resolve against the DSL file's folder. */
export function path(p: string): PathInput {
  return { path: p };
}

/** An external input such as `s3://bucket/key`. */
export function uri(u: string): UriInput {
  return { uri: u };
}

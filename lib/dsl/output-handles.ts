/**
 * The `outputs` object of a step handle: one typed reference per declared output.
 */
import { OutputRef } from './inputs';

/** Property names that libraries probe on any object (promises, JSON, test matchers); never outputs. */
const PROBED = new Set(['then', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', 'inspect', '@@__IMMUTABLE_ITERABLE__@@']);

/**
 * One `OutputRef` per declared output of `step`.
 *
 * TypeScript rejects any other name at compile time; plain JavaScript (or a cast) gets a reference to the
 * undeclared output, which validation then reports with a "did you mean", exactly as for a YAML spec.
 */
export function outputHandles<O extends string>(step: string, outputs: readonly O[]): { readonly [K in O]: OutputRef } {
  const declared = Object.fromEntries(outputs.map((o) => [o, new OutputRef(step, o)]));
  return new Proxy(declared, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && !(prop in target) && !PROBED.has(prop)) return new OutputRef(step, prop);
      return Reflect.get(target, prop, receiver);
    },
  }) as { readonly [K in O]: OutputRef };
}

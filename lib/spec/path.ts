/**
 * Dotted paths into a definition, e.g. `steps.train.compute.gpus` or `steps.train.command[0]`.
 */

/** One segment of a path: a key or a list index. */
export type PathSegment = string | number;

/** Appends a key or list index to a dotted path. */
export function joinPath(parent: string, segment: PathSegment): string {
  if (typeof segment === 'number') return `${parent}[${segment}]`;
  return parent ? `${parent}.${segment}` : segment;
}

/** The path one level up (`steps.train.compute` for `steps.train.compute.gpus`); undefined for the root. */
export function parentPath(path: string): string | undefined {
  if (path === '') return undefined;
  const m = /(\.[^.[]*|\[\d+\])$/.exec(path);
  return m ? path.slice(0, m.index) : '';
}

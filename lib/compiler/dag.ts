/**
 * The dependency graph of a pipeline: nodes are steps indexed in sorted-name order, edges run from a
 * dependency to the step that depends on it.
 *
 * A step depends on every step it takes an input from and every step in its `after` list.
 */
import type { PipelineIR } from '../ir';

/** A DAG over steps; node `i` is the step `names[i]`, names sorted so that indices never depend on file order. */
export interface Dag {
  readonly names: readonly string[];
  /** Direct successors of each node, ascending, without duplicates. */
  readonly succ: readonly (readonly number[])[];
  /** Direct predecessors of each node, ascending, without duplicates. */
  readonly pred: readonly (readonly number[])[];
}

/** The dependencies of each step of a pipeline, by step name (inputs from steps ∪ `after`). */
export function dependenciesOf(ir: PipelineIR): Record<string, string[]> {
  const deps: Record<string, string[]> = {};
  for (const [name, step] of Object.entries(ir.steps)) {
    const set = new Set<string>(step.after);
    for (const input of Object.values(step.inputs)) if (input.kind === 'step') set.add(input.step);
    deps[name] = [...set];
  }
  return deps;
}

/** Builds the DAG of a validated pipeline (lib/spec has checked every reference and that there is no cycle). */
export function buildDag(ir: PipelineIR): Dag {
  return dagFromDependencies(dependenciesOf(ir));
}

/**
 * Builds a DAG from `step → steps it depends on`.
 *
 * Asserts what validation guarantees: a dependency on an unknown step, on itself or around a cycle throws
 * a plain Error saying the IR was not validated.
 */
export function dagFromDependencies(deps: Readonly<Record<string, readonly string[]>>): Dag {
  const names = Object.keys(deps).sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const succSets = names.map(() => new Set<number>());
  const predSets = names.map(() => new Set<number>());
  for (const name of names) {
    const to = index.get(name)!;
    for (const dep of deps[name]) {
      const from = index.get(dep);
      if (from === undefined || from === to) notValidated(`step "${name}" depends on ${from === undefined ? `unknown step "${dep}"` : 'itself'}`);
      succSets[from].add(to);
      predSets[to].add(from);
    }
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  const dag: Dag = { names, succ: succSets.map(sorted), pred: predSets.map(sorted) };
  const order = topologicalOrder(dag);
  if (order.length < names.length) {
    const placed = new Set(order);
    notValidated(`steps ${names.filter((_, i) => !placed.has(i)).join(', ')} are on or behind a dependency cycle`);
  }
  return dag;
}

function notValidated(what: string): never {
  throw new Error(`The pipeline IR is not valid: ${what}. Build the IR with loadPipeline or validateDefinition, which report this with its place.`);
}

/** A topological order of the nodes (Kahn's algorithm, smallest index first among ready nodes). */
export function topologicalOrder(dag: Dag): number[] {
  const n = dag.names.length;
  const indegree = dag.pred.map((p) => p.length);
  const ready: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) ready.push(v);
  const order: number[] = [];
  let head = 0;
  while (head < ready.length) {
    const v = ready[head++];
    order.push(v);
    for (const w of dag.succ[v]) if (--indegree[w] === 0) ready.push(w);
  }
  return order;
}

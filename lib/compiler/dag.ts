/**
 * The dependency graph of a pipeline: nodes are steps indexed in sorted-name order, edges run from a
 * dependency to the step that depends on it.
 *
 * A step depends on every step it takes an input from and every step in its `after` list.
 */
import { DefinitionError, type Problem } from '../errors';
import { conditionSteps } from '../ir/condition';
import type { PipelineIR } from '../ir/types';

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
    if (step.final) continue; // finally-steps run after the DAG, not in it
    const set = new Set<string>(step.after);
    for (const input of Object.values(step.inputs)) if (input.kind === 'step') set.add(input.step);
    if (step.foreach?.source.kind === 'step') set.add(step.foreach.source.step);
    if (step.when) for (const w of conditionSteps(step.when.condition)) set.add(w);
    deps[name] = [...set];
  }
  return deps;
}

/** Builds the DAG of a pipeline; throws DefinitionError on unknown references, self-dependencies and cycles. */
export function buildDag(ir: PipelineIR): Dag {
  return dagFromDependencies(dependenciesOf(ir), ir.source);
}

/** Builds a DAG from `step → steps it depends on`; `file` names the definition in error messages. */
export function dagFromDependencies(deps: Readonly<Record<string, readonly string[]>>, file = '<pipeline>'): Dag {
  const names = Object.keys(deps).sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const succSets = names.map(() => new Set<number>());
  const predSets = names.map(() => new Set<number>());
  const problems: Problem[] = [];
  for (const name of names) {
    const to = index.get(name)!;
    for (const dep of deps[name]) {
      const from = index.get(dep);
      if (from === undefined) {
        problems.push({
          file,
          path: `steps.${name}`,
          message: `depends on unknown step "${dep}"; expected one of: ${names.join(', ')}; fix the reference`,
        });
      } else if (from === to) {
        problems.push({ file, path: `steps.${name}`, message: 'depends on itself; remove the self-reference' });
      } else {
        succSets[from].add(to);
        predSets[to].add(from);
      }
    }
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  const dag: Dag = { names, succ: succSets.map(sorted), pred: predSets.map(sorted) };
  const cycle = findCycle(dag);
  if (cycle) {
    throw new DefinitionError([
      {
        file,
        path: `steps.${cycle[0]}`,
        message: `dependency cycle ${cycle.join(' → ')}; expected a DAG; remove one of these dependencies`,
      },
    ]);
  }
  return dag;
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

/** The step names of one cycle (first name repeated at the end), or undefined for a DAG. */
function findCycle(dag: Dag): string[] | undefined {
  const n = dag.names.length;
  const color = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const parent = new Int32Array(n).fill(-1);
  for (let root = 0; root < n; root++) {
    if (color[root] !== 0) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    color[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i < dag.succ[v].length) {
        top[1]++;
        const w = dag.succ[v][i];
        if (color[w] === 0) {
          color[w] = 1;
          parent[w] = v;
          stack.push([w, 0]);
        } else if (color[w] === 1) {
          const path = [w];
          for (let u = v; u !== w; u = parent[u]) path.push(u);
          path.push(w);
          return path.reverse().map((u) => dag.names[u]);
        }
      } else {
        color[v] = 2;
        stack.pop();
      }
    }
  }
  return undefined;
}

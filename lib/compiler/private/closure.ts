/** Transitive closure of a DAG as bitsets: every node's ancestors and descendants. */
import type { Dag } from '../dag';
import { setBit, wordsFor } from './bitset';

/** Ancestors and descendants of every node (a node is in neither of its own sets). */
export interface Closure {
  readonly ancestors: readonly Uint32Array[];
  readonly descendants: readonly Uint32Array[];
}

/** Computes the closure along a topological order in O(edges × n / 32). */
export function transitiveClosure(dag: Dag, order: readonly number[]): Closure {
  const n = dag.names.length;
  const words = wordsFor(n);
  const ancestors = Array.from({ length: n }, () => new Uint32Array(words));
  const descendants = Array.from({ length: n }, () => new Uint32Array(words));
  for (const v of order) {
    const a = ancestors[v];
    for (const u of dag.pred[v]) {
      const au = ancestors[u];
      for (let i = 0; i < words; i++) a[i] |= au[i];
      setBit(a, u);
    }
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    const d = descendants[v];
    for (const w of dag.succ[v]) {
      const dw = descendants[w];
      for (let i = 0; i < words; i++) d[i] |= dw[i];
      setBit(d, w);
    }
  }
  return { ancestors, descendants };
}

/**
 * Series-parallel decomposition of a step DAG: the nesting of sequences and `Parallel` states that the
 * compiler emits.
 *
 * Exact for series-parallel DAGs; for the others (e.g. the N shape a→c, b→c, b→d) it cuts where the
 * critical path does not grow, as near the middle as possible. docs/compiler.md explains the strategy
 * and its cost.
 */
import { type Dag, topologicalOrder } from './dag';
import { countAnd, setBit, wordsFor } from './private/bitset';
import { transitiveClosure } from './private/closure';

/** A series-parallel tree over node indices of a Dag. */
export type SpTree =
  | { readonly kind: 'step'; readonly step: number }
  | { readonly kind: 'seq'; readonly items: readonly SpTree[] }
  | { readonly kind: 'par'; readonly branches: readonly SpTree[] };

/** A decomposition and what it costs. */
export interface Decomposition {
  readonly tree: SpTree;
  /** Ordered pairs (a, b) where the tree makes b wait for a although b does not depend on a (0 for SP DAGs). */
  readonly addedPairs: number;
}

/** How `decompose` chooses among approximate cuts that keep the critical path. */
export interface DecomposeOptions {
  /**
   * `balance`: the cut nearest the middle, then the fewest false pairs; `pairs`: the fewest false pairs,
   * then the most balanced (kept for comparison in bench/compile.ts: it finishes later).
   * @default 'balance'
   */
  readonly prefer?: 'balance' | 'pairs';
}

/** Decomposes a DAG into a series-parallel tree that respects every dependency. */
export function decompose(dag: Dag, options: DecomposeOptions = {}): Decomposition {
  const preferPairs = options.prefer === 'pairs';
  const n = dag.names.length;
  if (n === 0) return { tree: { kind: 'seq', items: [] }, addedPairs: 0 };
  const order = topologicalOrder(dag);
  const { ancestors, descendants } = transitiveClosure(dag, order);
  const topoPos = new Int32Array(n);
  order.forEach((v, i) => (topoPos[v] = i));
  const mask = new Uint32Array(wordsFor(n));
  const stamp = new Int32Array(n);
  const root = new Int32Array(n);
  const ancIn = new Int32Array(n);
  const descIn = new Int32Array(n);
  const depth = new Int32Array(n);
  const height = new Int32Array(n);
  let stampId = 0;
  let addedPairs = 0;

  const find = (v: number): number => {
    while (root[v] !== v) {
      root[v] = root[root[v]];
      v = root[v];
    }
    return v;
  };

  /** Weakly connected components of the subgraph induced by `set` (sorted), ordered by smallest node. */
  const components = (set: readonly number[]): number[][] => {
    stampId++;
    for (const v of set) {
      stamp[v] = stampId;
      root[v] = v;
    }
    for (const v of set) {
      for (const w of dag.succ[v]) {
        if (stamp[w] !== stampId) continue;
        const a = find(v);
        const b = find(w);
        if (a !== b) root[Math.max(a, b)] = Math.min(a, b);
      }
    }
    const groups = new Map<number, number[]>();
    for (const v of set) {
      const r = find(v);
      const g = groups.get(r);
      if (g) g.push(v);
      else groups.set(r, [v]);
    }
    return [...groups.values()];
  };

  /** False pairs added by cutting `seq` after each prefix of length k (at index k-1). */
  const cutCosts = (seq: readonly number[]): number[] => {
    const m = seq.length;
    const costs: number[] = [];
    let cross = 0; // comparable pairs (a in prefix, b in rest)
    for (let k = 1; k < m; k++) {
      const v = seq[k - 1];
      cross += descIn[v] - ancIn[v];
      costs.push(k * (m - k) - cross);
    }
    return costs;
  };

  /** Growth of the unit-duration critical path caused by cutting `seq` after each prefix of length k. */
  const cutInflation = (seq: readonly number[], longest: number): number[] => {
    const m = seq.length;
    const suffixHeight = new Int32Array(m + 1);
    for (let i = m - 1; i >= 0; i--) suffixHeight[i] = Math.max(suffixHeight[i + 1], height[seq[i]] + 1);
    const inflation: number[] = [];
    let prefixDepth = 0;
    for (let k = 1; k < m; k++) {
      prefixDepth = Math.max(prefixDepth, depth[seq[k - 1]] + 1);
      inflation.push(prefixDepth + suffixHeight[k] - longest);
    }
    return inflation;
  };

  const decomposeSet = (set: readonly number[]): SpTree => {
    if (set.length === 1) return { kind: 'step', step: set[0] };
    const comps = components(set);
    if (comps.length > 1) return par(comps.map(decomposeSet));

    // Connected: cut into a sequence. Depth and height are longest paths within the set (in steps).
    const m = set.length;
    mask.fill(0);
    for (const v of set) setBit(mask, v);
    const topo = [...set].sort((a, b) => topoPos[a] - topoPos[b]);
    for (const v of topo) {
      ancIn[v] = countAnd(ancestors[v], mask);
      descIn[v] = countAnd(descendants[v], mask);
      depth[v] = 0;
      for (const u of dag.pred[v]) if (stamp[u] === stampId) depth[v] = Math.max(depth[v], depth[u] + 1);
    }
    let longest = 0;
    for (let i = m - 1; i >= 0; i--) {
      const v = topo[i];
      height[v] = 0;
      for (const w of dag.succ[v]) if (stamp[w] === stampId) height[v] = Math.max(height[v], height[w] + 1);
      longest = Math.max(longest, height[v] + 1);
    }

    // An exact series cut puts all of one part before all of the other, so it is a prefix of every
    // topological order: the zero-cost prefixes of one order find them all.
    const byDepth = [...set].sort((a, b) => depth[a] - depth[b] || a - b);
    const depthCosts = cutCosts(byDepth);
    const exact: number[] = [];
    depthCosts.forEach((c, i) => c === 0 && exact.push(i + 1));
    if (exact.length > 0) {
      const parts: number[][] = [];
      let start = 0;
      for (const k of [...exact, m]) {
        parts.push(byDepth.slice(start, k).sort((a, b) => a - b));
        start = k;
      }
      return seq(parts.map(decomposeSet));
    }

    // Not series-parallel here: among the prefixes of two topological orders (earliest and latest
    // level), take the cut that least lengthens the critical path, then the most balanced one, then
    // the one with the fewest false pairs. Balance before false pairs measured better finish times
    // (bench/compile.ts): greedy fewest-pairs cuts peel thin slices and stack many barriers.
    const byHeight = [...set].sort((a, b) => height[b] - height[a] || a - b);
    const candidates: Array<[readonly number[], number[]]> = [
      [byDepth, depthCosts],
      [byHeight, cutCosts(byHeight)],
    ];
    let best: { order: readonly number[]; k: number; cost: number; score: readonly number[] } = {
      order: byDepth,
      k: 1,
      cost: Infinity,
      score: [Infinity, Infinity, Infinity],
    };
    for (const [o, costs] of candidates) {
      const inflation = cutInflation(o, longest);
      costs.forEach((cost, i) => {
        const k = i + 1;
        const imbalance = Math.abs(2 * k - m);
        const score = preferPairs ? [inflation[i], cost, imbalance] : [inflation[i], imbalance, cost];
        if (lexLess(score, best.score)) best = { order: o, k, cost, score };
      });
    }
    addedPairs += best.cost;
    const before = best.order.slice(0, best.k).sort((a, b) => a - b);
    const after = best.order.slice(best.k).sort((a, b) => a - b);
    return seq([decomposeSet(before), decomposeSet(after)]);
  };

  const all = Array.from({ length: n }, (_, i) => i);
  const tree = decomposeSet(all);
  return { tree, addedPairs };
}

/** Whether score a sorts before score b. */
function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** A sequence, flattening nested sequences. */
function seq(items: readonly SpTree[]): SpTree {
  const flat = items.flatMap((t) => (t.kind === 'seq' ? t.items : [t]));
  return flat.length === 1 ? flat[0] : { kind: 'seq', items: flat };
}

/** A parallel group, flattening nested groups. */
function par(branches: readonly SpTree[]): SpTree {
  const flat = branches.flatMap((t) => (t.kind === 'par' ? t.branches : [t]));
  return flat.length === 1 ? flat[0] : { kind: 'par', branches: flat };
}

/** Finish time of the tree when step `v` takes `duration(v)` and everything starts as early as the tree allows. */
export function treeMakespan(tree: SpTree, duration: (step: number) => number = () => 1): number {
  switch (tree.kind) {
    case 'step':
      return duration(tree.step);
    case 'seq':
      return tree.items.reduce((sum, t) => sum + treeMakespan(t, duration), 0);
    case 'par':
      return Math.max(...tree.branches.map((t) => treeMakespan(t, duration)));
  }
}

/** Length of the DAG's critical path: the finish time when every step starts as soon as its dependencies finish. */
export function criticalPath(dag: Dag, duration: (step: number) => number = () => 1): number {
  const finish = new Float64Array(dag.names.length);
  let longest = 0;
  for (const v of topologicalOrder(dag)) {
    let start = 0;
    for (const u of dag.pred[v]) start = Math.max(start, finish[u]);
    finish[v] = start + duration(v);
    longest = Math.max(longest, finish[v]);
  }
  return longest;
}

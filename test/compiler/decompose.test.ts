/** The series-parallel decomposition: exact on series-parallel DAGs, dependency-safe and critical-path-preserving on the others. */
import { describe, expect, it } from 'vitest';
import { buildDag, dagFromDependencies } from '../../lib/compiler/dag';
import { criticalPath, decompose, type SpTree, treeMakespan } from '../../lib/compiler/decompose';
import { makeIr, mulberry32, randomSteps } from './fixtures';

/** A random series-parallel DAG of n steps as `step → deps`, built by series and parallel composition. */
function randomSpDag(n: number, seed: number): Record<string, string[]> {
  const rand = mulberry32(seed);
  const deps: Record<string, string[]> = {};
  let next = 0;
  // Returns [sources, sinks] of the sub-DAG it creates.
  const build = (size: number): [string[], string[]] => {
    if (size === 1) {
      const name = `n${String(next++).padStart(3, '0')}`;
      deps[name] = [];
      return [[name], [name]];
    }
    const left = 1 + Math.floor(rand() * (size - 1));
    const [aSources, aSinks] = build(left);
    const [bSources, bSinks] = build(size - left);
    if (rand() < 0.5) return [[...aSources, ...bSources], [...aSinks, ...bSinks]];
    for (const b of bSources) deps[b].push(...aSinks);
    return [aSources, bSinks];
  };
  build(n);
  return deps;
}

/** Names of the steps of a tree, in order. */
function shape(tree: SpTree, names: readonly string[]): unknown {
  if (tree.kind === 'step') return names[tree.step];
  if (tree.kind === 'seq') return { seq: tree.items.map((t) => shape(t, names)) };
  return { par: tree.branches.map((t) => shape(t, names)) };
}

describe('decompose', () => {
  it('nests a diamond exactly', () => {
    const dag = dagFromDependencies({ top: [], left: ['top'], right: ['top'], bottom: ['left', 'right'] });
    const { tree, addedPairs } = decompose(dag);
    expect(shape(tree, dag.names)).toEqual({ seq: ['top', { par: ['left', 'right'] }, 'bottom'] });
    expect(addedPairs).toBe(0);
  });

  it('splits complete bipartite layers although no step is comparable to all others', () => {
    // GIVEN {a, b} → {c, d}, every pair linked
    const dag = dagFromDependencies({ a: [], b: [], c: ['a', 'b'], d: ['a', 'b'] });
    // THEN an exact series cut exists and is found
    const { tree, addedPairs } = decompose(dag);
    expect(shape(tree, dag.names)).toEqual({ seq: [{ par: ['a', 'b'] }, { par: ['c', 'd'] }] });
    expect(addedPairs).toBe(0);
  });

  it('approximates the N shape with one false pair and no longer critical path', () => {
    const dag = dagFromDependencies({ a: [], b: [], c: ['a', 'b'], d: ['b'] });
    const { tree, addedPairs } = decompose(dag);
    expect(shape(tree, dag.names)).toEqual({ seq: [{ par: ['a', 'b'] }, { par: ['c', 'd'] }] });
    expect(addedPairs).toBe(1);
    expect(treeMakespan(tree)).toBe(criticalPath(dag));
  });

  it('is exact on random series-parallel DAGs: no false pair, finish time = critical path for any durations', () => {
    for (let seed = 1; seed <= 40; seed++) {
      // GIVEN a random series-parallel DAG and random step durations
      const dag = dagFromDependencies(randomSpDag(3 + (seed % 60), seed));
      const rand = mulberry32(seed + 1000);
      const durations = dag.names.map(() => 1 + Math.floor(rand() * 20));
      const d = (v: number) => durations[v];
      // WHEN decomposed
      const { tree, addedPairs } = decompose(dag);
      // THEN nothing waits for what it does not depend on
      expect(addedPairs, `seed ${seed}`).toBe(0);
      expect(treeMakespan(tree, d), `seed ${seed}`).toBe(criticalPath(dag, d));
    }
  });

  it('keeps the unit-duration critical path on random non-series-parallel DAGs, each step exactly once', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const dag = buildDag(makeIr(randomSteps(200, seed, 3 + (seed % 6))));
      const { tree } = decompose(dag);
      expect(treeMakespan(tree), `seed ${seed}`).toBe(criticalPath(dag));
      const seen: number[] = [];
      const walk = (t: SpTree): void => {
        if (t.kind === 'step') seen.push(t.step);
        else (t.kind === 'seq' ? t.items : t.branches).forEach(walk);
      };
      walk(tree);
      expect(seen.sort((a, b) => a - b)).toEqual(dag.names.map((_, i) => i));
    }
  });

  it('handles 1,000-step random DAGs with narrow and wide dependency windows', () => {
    for (const steps of [randomSteps(1000, 11), randomSteps(1000, 12, 30)]) {
      const dag = buildDag(makeIr(steps));
      expect(treeMakespan(decompose(dag).tree)).toBe(criticalPath(dag));
    }
  });
});

/**
 * How a foreach plan deals its jobs to array children under maxConcurrency, and the attempt duration that follows.
 */
import { describe, expect, it } from 'vitest';
import { childJobIndexes, childrenOf, planAttemptSeconds } from '../../lib/protocol';
import type { Hash } from '../../lib/store';

const h = (n: number): Hash => `sha256:${String(n).padStart(64, '0')}`;
/** A plan of `jobs` jobs of `batch` items each (the last one shorter when `items` says so). */
function plan(items: number, batch: number, children?: number) {
  const batches: Hash[][] = [];
  for (let i = 0; i < items; i += batch) batches.push(Array.from({ length: Math.min(batch, items - i) }, (_, k) => h(i + k)));
  return { batches, ...(children !== undefined ? { children } : {}) };
}

describe('a foreach plan under maxConcurrency', () => {
  it('child k runs jobs k, k+M, k+2M…: every job exactly once, at most M children', () => {
    // GIVEN 12 jobs and M = 5
    const dealt = [0, 1, 2, 3, 4].map((k) => childJobIndexes(12, 5, k));
    // THEN
    expect(dealt).toEqual([[0, 5, 10], [1, 6, 11], [2, 7], [3, 8], [4, 9]]);
    expect(dealt.flat().sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
  });

  it('a plan without children (written before maxConcurrency was planned) has one child per job', () => {
    expect(childrenOf(plan(7, 2))).toBe(4);
    expect(childrenOf(plan(7, 2, 3))).toBe(3);
  });

  it("gives each item of the busiest child the step's timeout, never under Batch's 60 s minimum", () => {
    // 7 items in batches of 2 (4 jobs) on 2 children: child 0 runs jobs 0 and 2 (4 items), child 1 jobs 1 and 3 (3)
    expect(planAttemptSeconds(plan(7, 2, 2), 100)).toBe(400);
    // one child per job: the biggest mini-batch
    expect(planAttemptSeconds(plan(7, 2), 100)).toBe(200);
    // "The minimum value for the timeout is 60 seconds" (https://docs.aws.amazon.com/batch/latest/APIReference/API_JobTimeout.html)
    expect(planAttemptSeconds(plan(1, 1), 5)).toBe(60);
  });
});

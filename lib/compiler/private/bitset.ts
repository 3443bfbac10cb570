/** Fixed-size bitsets over node indices, stored as Uint32Array words. */

/** Number of 32-bit words a bitset over n nodes needs. */
export function wordsFor(n: number): number {
  return (n + 31) >>> 5;
}

/** Sets bit i. */
export function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] |= 1 << (i & 31);
}

/** Whether bit i is set. */
export function hasBit(bits: Uint32Array, i: number): boolean {
  return (bits[i >>> 5] & (1 << (i & 31))) !== 0;
}

/** Number of set bits of a 32-bit word. */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of bits set in both a and b. */
export function countAnd(a: Uint32Array, b: Uint32Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] & b[i];
    if (x !== 0) c += popcount32(x);
  }
  return c;
}

import { describe, expect, it } from 'vitest';
import { canonicalJson, hashBytes, isArtifactRef, isHash, refHash } from '../../lib/store';

describe('canonicalJson', () => {
  it('sorts keys at every depth and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same bytes whatever the key order, so the same hash', () => {
    const a = { params: { epochs: 300, lr: 0.1 }, outputs: ['model'] };
    const b = { outputs: ['model'], params: { lr: 0.1, epochs: 300 } };
    expect(hashBytes(canonicalJson(a))).toBe(hashBytes(canonicalJson(b)));
  });

  it('drops undefined properties like JSON.stringify and keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'é\u0000' })).toBe(JSON.stringify({ 'k"\n': 'é\u0000' }));
  });

  it('rejects values JSON cannot represent, naming where', () => {
    expect(() => canonicalJson({ a: [1, NaN] })).toThrow(/\$\.a\[1\] is NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/\$\.f is a function/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });
});

describe('hash helpers', () => {
  it('recognises hashes and references', () => {
    const h = hashBytes('');
    expect(h).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(isHash(h)).toBe(true);
    expect(isHash('sha256:ABC')).toBe(false);
    expect(isArtifactRef(`tree:${h}`)).toBe(true);
    expect(isArtifactRef('tree:nope')).toBe(false);
    expect(refHash(`tree:${h}`)).toBe(h);
  });
});

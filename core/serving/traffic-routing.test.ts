import { describe, expect, it } from 'vitest';
import { pickVersion, stableHash, validateWeights } from './traffic-routing';
import type { TrafficWeights } from './traffic-routing';

const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

function shares(weights: TrafficWeights): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const version = pickVersion(weights, key);
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([v, n]) => [v, n / keys.length]));
}

describe('stableHash', () => {
  it('is MurmurHash3 x86_32 (seed 0) of the UTF-8 bytes, so other languages can reproduce routing', () => {
    // Published reference values, and UTF-8 values checked against a byte-level reference implementation.
    expect(stableHash('')).toBe(0);
    expect(stableHash('test')).toBe(0xba6bd213);
    expect(stableHash('Hello, world!')).toBe(0xc0363e43);
    expect(stableHash('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    expect(stableHash('a')).toBe(0x3c2569b2);
    expect(stableHash('ü')).toBe(0x7840e6aa);
    expect(stableHash('héllo wörld')).toBe(0x97f7f274);
    expect(stableHash('日本語キー')).toBe(0xdffdd7d8);
    expect(stableHash('🚀 user-42')).toBe(0x2cbac5b1);
  });

  it('hashes a lone surrogate as U+FFFD, as TextEncoder would encode it', () => {
    expect(stableHash('a\ud800b')).toBe(stableHash('a\ufffdb'));
    expect(stableHash('a\ud800b')).toBe(3412674851);
  });

  it('returns unsigned 32-bit integers', () => {
    const hashes = keys.slice(0, 1000).map(stableHash);
    expect(hashes.filter((h) => !(Number.isInteger(h) && h >= 0 && h < 2 ** 32))).toEqual([]);
  });
});

describe('validateWeights', () => {
  it('accepts whole percentages summing to 100, zeros included', () => {
    expect(validateWeights({ '1': 100 })).toEqual([]);
    expect(validateWeights({ '1': 90, '2': 10 })).toEqual([]);
    expect(validateWeights({ '1': 0, '2': 100 })).toEqual([]);
  });

  it('names each problem', () => {
    expect(validateWeights({})).toEqual(['no versions: at least one version must take traffic']);
    expect(validateWeights({ '1': 90, '2': 5 })).toEqual(['weights sum to 95, not 100']);
    expect(validateWeights({ '1': 0, '2': 0 })).toEqual(['every weight is 0: at least one version must take traffic']);
    expect(validateWeights({ '1': 89.5, '2': 10.5 })).toEqual([
      'weight of version \'1\' must be an integer from 0 to 100, got 89.5',
      'weight of version \'2\' must be an integer from 0 to 100, got 10.5',
    ]);
    expect(validateWeights({ '1': 110, '2': -10 })).toEqual([
      'weight of version \'1\' must be an integer from 0 to 100, got 110',
      'weight of version \'2\' must be an integer from 0 to 100, got -10',
    ]);
    expect(validateWeights({ v2: 100 })).toEqual(["version 'v2' is not a positive integer without leading zeros"]);
    expect(validateWeights({ '01': 100 })).toEqual(["version '01' is not a positive integer without leading zeros"]);
  });

  it('makes pickVersion refuse invalid weights', () => {
    expect(() => pickVersion({ '1': 50 }, 'k')).toThrow('weights sum to 50, not 100');
  });
});

describe('pickVersion', () => {
  it('sends the same key to the same version every time, whatever the key order of the table', () => {
    const a = { '1': 70, '2': 30 };
    const b = { '2': 30, '1': 70 };
    const unstable = keys.filter((key) => {
      const first = pickVersion(a, key);
      return pickVersion(a, key) !== first || pickVersion(b, key) !== first;
    });
    expect(unstable).toEqual([]);
  });

  it('splits traffic in proportion to the weights, within 1% over 100k keys', () => {
    const got = shares({ '1': 50, '2': 30, '3': 20 });
    expect(Math.abs(got['1']! - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(got['2']! - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(got['3']! - 0.2)).toBeLessThan(0.01);
    const canary = shares({ '7': 95, '8': 5 });
    expect(Math.abs(canary['8']! - 0.05)).toBeLessThan(0.01);
  });

  it('sends nothing to a version with weight 0', () => {
    expect(shares({ '1': 100, '2': 0 })).toEqual({ '1': 1 });
  });

  it('keeps every canary key on the canary as the canary grows, and moves only the keys that must move', () => {
    const before = { '1': 90, '2': 10 };
    const after = { '1': 75, '2': 25 };
    let moved = 0;
    const leftCanary: string[] = [];
    for (const key of keys) {
      const was = pickVersion(before, key);
      const now = pickVersion(after, key);
      if (was === '2' && now !== '2') leftCanary.push(key);
      if (was !== now) moved++;
    }
    expect(leftCanary).toEqual([]);
    expect(Math.abs(moved / keys.length - 0.15)).toBeLessThan(0.01);
  });

  it('keeps the oldest versions undisturbed when the newest grows at the expense of the one before it', () => {
    const before = { '3': 10, '4': 70, '5': 20 };
    const after = { '3': 10, '4': 50, '5': 40 };
    const disturbed = keys.filter((key) => {
      const was = pickVersion(before, key);
      return (was === '5' || was === '3') && pickVersion(after, key) !== was;
    });
    expect(disturbed).toEqual([]);
  });

  it('orders versions numerically, newest at the low end of the hash range', () => {
    // '10' is newer than '9' though it sorts first as text; it owns points [0, 1000).
    const misplaced = keys.filter((key) => pickVersion({ '9': 90, '10': 10 }, key) !== (stableHash(key) % 10000 < 1000 ? '10' : '9'));
    expect(misplaced).toEqual([]);
  });

  it('orders versions numerically beyond the range JavaScript enumerates in numeric order', () => {
    const misplaced = keys.filter((key) => {
      const expected = stableHash(key) % 10000 < 1000 ? '99999999999' : '10000000000';
      return pickVersion({ '99999999999': 10, '10000000000': 90 }, key) !== expected || pickVersion({ '10000000000': 90, '99999999999': 10 }, key) !== expected;
    });
    expect(misplaced).toEqual([]);
  });
});

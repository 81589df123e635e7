import { describe, expect, it } from 'vitest';
import { mulberry32, shuffled } from './seeded-random';

// Expected values come from an independent Python port of mulberry32 and Fisher-Yates
// (explicit 32-bit masking instead of Math.imul), run once and pasted here.
describe('mulberry32', () => {
  it('produces the reference sequence for seeds 42 and 0', () => {
    const fromSeed42 = mulberry32(42);
    expect(Array.from({ length: 5 }, () => fromSeed42())).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423,
    ]);
    const fromSeed0 = mulberry32(0);
    expect(Array.from({ length: 3 }, () => fromSeed0())).toEqual([
      0.26642920868471265, 0.0003297457005828619, 0.2232720274478197,
    ]);
  });

  it('takes the seed modulo 2^32', () => {
    expect(mulberry32(2 ** 32 + 7)()).toBe(mulberry32(7)());
  });
});

describe('shuffled', () => {
  it('matches the reference permutation and leaves its input alone', () => {
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(shuffled(items, mulberry32(42))).toEqual([0, 7, 3, 5, 2, 1, 8, 9, 4, 6]);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('handles empty and single-item arrays without drawing', () => {
    expect(shuffled([], mulberry32(1))).toEqual([]);
    expect(shuffled(['a'], mulberry32(1))).toEqual(['a']);
  });
});

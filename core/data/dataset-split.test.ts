import { describe, expect, it } from 'vitest';
import { splitHoldout } from './dataset-split';

// 13 rows of class 0, 5 of class 1, 2 of class 2.
const labels = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 2, 2, 0, 1, 0];

describe('splitHoldout', () => {
  // Expected splits from an independent Python port of mulberry32 + Fisher-Yates + this
  // stratification rule (ascending labels, one generator stream, round half up).
  it('matches the reference split for the default fraction and seed', () => {
    expect(splitHoldout(labels.length, labels)).toEqual({
      train: [0, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19],
      holdout: [1, 4, 7, 17],
    });
  });

  it('matches the reference split for fraction 0.3 and seed 7', () => {
    expect(splitHoldout(labels.length, labels, { holdoutFraction: 0.3, seed: 7 })).toEqual({
      train: [0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 14, 15, 19],
      holdout: [3, 8, 12, 13, 16, 17, 18],
    });
  });

  it('gives each class round(count * fraction) holdout rows, rounding halves up', () => {
    // fraction 0.3: class 0 13*0.3=3.9 -> 4, class 1 5*0.3=1.5 -> 2, class 2 2*0.3=0.6 -> 1.
    const { holdout } = splitHoldout(labels.length, labels, { holdoutFraction: 0.3, seed: 123 });
    const perClass = [0, 1, 2].map((c) => holdout.filter((row) => labels[row] === c).length);
    expect(perClass).toEqual([4, 2, 1]);
  });

  it('puts every row in exactly one split, each sorted ascending', () => {
    const { train, holdout } = splitHoldout(labels.length, labels, { seed: 99 });
    expect([...train, ...holdout].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    expect(train).toEqual([...train].sort((a, b) => a - b));
    expect(holdout).toEqual([...holdout].sort((a, b) => a - b));
  });

  it('is deterministic for a seed and varies across seeds', () => {
    expect(splitHoldout(labels.length, labels, { seed: 5 })).toEqual(splitHoldout(labels.length, labels, { seed: 5 }));
    const holdouts = new Set([1, 2, 3, 4, 5, 6].map((seed) => splitHoldout(labels.length, labels, { seed }).holdout.join()));
    expect(holdouts.size).toBeGreaterThan(1);
  });

  it('handles fractions 0 and 1 and an empty dataset', () => {
    expect(splitHoldout(3, [0, 1, 0], { holdoutFraction: 0 })).toEqual({ train: [0, 1, 2], holdout: [] });
    expect(splitHoldout(3, [0, 1, 0], { holdoutFraction: 1 })).toEqual({ train: [], holdout: [0, 1, 2] });
    expect(splitHoldout(0, [])).toEqual({ train: [], holdout: [] });
  });

  it('rejects mismatched labels and out-of-range fractions', () => {
    expect(() => splitHoldout(3, [0, 1])).toThrow(RangeError);
    expect(() => splitHoldout(2, [0, 1], { holdoutFraction: 1.5 })).toThrow(RangeError);
    expect(() => splitHoldout(2, [0, 1], { holdoutFraction: Number.NaN })).toThrow(RangeError);
  });
});

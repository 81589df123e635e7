import { describe, expect, it } from 'vitest';
import { binRepresentatives, chiSquare, chiSquareHomogeneity, jensenShannonDistance, ksOnBinnedCdf, psi, wassersteinNormed } from './drift-statistics';

// Expected values: numpy 2.4.6 and scipy 1.17.1. PSI re-implements Evidently's get_binned_data
// filler (np.place on zero shares: 0.0001, or min non-zero share / 1e6 when that is <= 0.0001)
// in numpy after dropping bins empty in both; the rest call scipy as each test says.
const reference = [12, 30, 45, 60, 38, 15];
const current = [20, 25, 40, 50, 45, 30];
const bins = { edges: [0.5, 1.2, 2.0, 3.1, 4.5], min: -0.7, max: 6.3, std: 1.37 };

describe('psi', () => {
  it('matches Evidently on bins with no empty ones', () => {
    expect(psi(reference, current)).toBeCloseTo(0.09013782660982148, 9);
  });

  it('fills empty bins with 0.0001, as Evidently', () => {
    expect(psi([50, 0, 30, 20], [10, 25, 0, 65])).toBeCloseTo(5.530508644978678, 9);
  });

  it("fills with min share / 1e6 when a real share is already below 0.0001", () => {
    expect(psi([100000, 5, 0, 24995], [40, 10, 7, 43])).toBeCloseTo(2.725286459366787, 9);
  });

  it('ignores bins empty in both histograms', () => {
    expect(psi([10, 0, 20], [5, 0, 30])).toBeCloseTo(0.20925948355583043, 9);
    expect(psi([10, 0, 20], [5, 0, 30])).toBe(psi([10, 20], [5, 30]));
  });

  it('is zero for proportional histograms and symmetric', () => {
    expect(psi([1, 2, 3], [10, 20, 30])).toBeCloseTo(0, 12);
    expect(psi(current, reference)).toBeCloseTo(psi(reference, current), 12);
  });

  it('refuses mismatched, empty or negative histograms', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => psi([0, 0], [1, 2])).toThrow(RangeError);
    expect(() => psi([1, 2], [0, 0])).toThrow(RangeError);
    expect(() => psi([1, -2], [1, 2])).toThrow(RangeError);
    expect(() => psi([], [])).toThrow(RangeError);
  });
});

describe('jensenShannonDistance', () => {
  // scipy.spatial.distance.jensenshannon(ref / ref.sum(), cur / cur.sum(), base=...).
  it('matches scipy with base 2 by default, and with natural logs as Evidently calls it', () => {
    expect(jensenShannonDistance(reference, current)).toBeCloseTo(0.12682897394626394, 9);
    expect(jensenShannonDistance(reference, current, { base: Math.E })).toBeCloseTo(0.10559204708736156, 9);
  });

  it('handles empty bins without a filler and reaches 1 for disjoint histograms', () => {
    expect(jensenShannonDistance([50, 0, 30, 20], [10, 25, 0, 65])).toBeCloseTo(0.6859041291390179, 9);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannonDistance([3, 5, 7], [3, 5, 7])).toBe(0);
  });
});

describe('wassersteinNormed', () => {
  it('puts bins at their midpoints, closing the outer bins at the reference min and max', () => {
    const points = binRepresentatives(bins.edges, bins.min, bins.max);
    [-0.09999999999999998, 0.85, 1.6, 2.55, 3.8, 5.4].forEach((p, i) => expect(points[i]).toBeCloseTo(p, 12));
    expect(points).toHaveLength(6);
    expect(binRepresentatives([], 2, 9)).toEqual([5.5]);
  });

  // scipy.stats.wasserstein_distance(points, points, u_weights=ref, v_weights=cur) / std, with
  // points the midpoints of [min, e0], [e0, e1], ..., [e_last, max].
  it('matches scipy on the bin points, divided by the reference std', () => {
    expect(wassersteinNormed(reference, current, bins)).toBeCloseTo(0.21107055961070564, 9);
  });

  it("floors the std at Evidently's 0.001", () => {
    expect(wassersteinNormed(reference, current, { ...bins, std: 0.0002 })).toBeCloseTo(289.16666666666674, 9);
  });

  it('is zero for a single bin or proportional histograms', () => {
    expect(wassersteinNormed([5], [9], { edges: [], min: 1, max: 3, std: 1 })).toBe(0);
    expect(wassersteinNormed([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12], bins)).toBeCloseTo(0, 12);
  });

  it('refuses edges that do not match the bins, or a min or max inside the edges', () => {
    expect(() => wassersteinNormed([1, 2], [1, 2], bins)).toThrow(RangeError);
    expect(() => wassersteinNormed(reference, current, { ...bins, max: 4 })).toThrow(RangeError);
    expect(() => wassersteinNormed(reference, current, { ...bins, min: 0.6 })).toThrow(RangeError);
  });
});

describe('ksOnBinnedCdf', () => {
  // D = max |cumsum(ref)/n1 - cumsum(cur)/n2|; p = scipy.stats.kstwobign.sf(D * sqrt(n1 n2 / (n1 + n2))).
  it('matches the asymptotic Kolmogorov p-value', () => {
    const small = ksOnBinnedCdf(reference, current);
    expect(small.statistic).toBeCloseTo(0.09214285714285708, 9);
    expect(small.pValue).toBeCloseTo(0.3493224720429199, 9);
    const large = ksOnBinnedCdf(
      reference.map((c) => c * 10),
      [300, 250, 400, 500, 450, 300],
    );
    expect(large.statistic).toBeCloseTo(0.07636363636363636, 9);
    expect(large.pValue / 9.879638483410604e-6).toBeCloseTo(1, 9);
  });

  it('gives D = 0 and p = 1 for identical shapes', () => {
    expect(ksOnBinnedCdf([1, 2, 3], [2, 4, 6])).toEqual({ statistic: 0, pValue: 1 });
  });
});

describe('chiSquare', () => {
  // scipy.stats.chisquare(cur, ref / ref.sum() * cur.sum()) over bins not empty in both.
  it('matches scipy.stats.chisquare against reference proportions', () => {
    const result = chiSquare(reference, current);
    expect(result.statistic).toBeCloseTo(23.027011974380393, 9);
    expect(result.pValue).toBeCloseTo(0.00033357578609117145, 9);
    expect(result.df).toBe(5);
  });

  it('drops categories empty in both', () => {
    const result = chiSquare([40, 35, 25, 0], [38, 40, 22, 0]);
    expect(result.statistic).toBeCloseTo(1.1742857142857144, 9);
    expect(result.pValue).toBeCloseTo(0.5559133416933109, 9);
    expect(result.df).toBe(2);
  });

  it('treats a category the reference never saw as certain drift, as scipy does', () => {
    expect(chiSquare([40, 35, 25, 0], [38, 40, 22, 3])).toEqual({ statistic: Number.POSITIVE_INFINITY, pValue: 0, df: 3 });
  });

  it('reports no evidence when only one category occurs', () => {
    expect(chiSquare([40, 0], [38, 0])).toEqual({ statistic: 0, pValue: 1, df: 0 });
  });
});

describe('chiSquareHomogeneity', () => {
  it('matches scipy.stats.chi2_contingency on its documented 2 x 3 example', () => {
    const result = chiSquareHomogeneity([10, 10, 20], [20, 20, 20]);
    expect(result.statistic).toBeCloseTo(2.7777777777777777, 12);
    expect(result.pValue).toBeCloseTo(0.24935220877729619, 12);
    expect(result.df).toBe(2);
  });

  it('is the pooled two-proportion test on a 2 x 2 table: N (ad - bc)^2 / (row and column totals)', () => {
    const [a, b, c, d] = [30, 10, 18, 22];
    const expected = (80 * (a * d - b * c) ** 2) / (40 * 40 * 48 * 32);
    expect(chiSquareHomogeneity([a, b], [c, d]).statistic).toBeCloseTo(expected, 12);
  });

  it('is symmetric, unlike the goodness-of-fit test, and finite when one sample lacks a category', () => {
    expect(chiSquareHomogeneity([40, 0], [30, 5]).pValue).toBe(chiSquareHomogeneity([30, 5], [40, 0]).pValue);
    expect(chiSquareHomogeneity([40, 0], [30, 5]).statistic).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(chiSquare([40, 0], [30, 5]).pValue).toBe(0);
  });

  it('drops categories empty in both and reports no evidence with one category left', () => {
    expect(chiSquareHomogeneity([10, 10, 20, 0], [20, 20, 20, 0]).df).toBe(2);
    expect(chiSquareHomogeneity([40, 0], [38, 0])).toEqual({ statistic: 0, pValue: 1, df: 0 });
  });
});

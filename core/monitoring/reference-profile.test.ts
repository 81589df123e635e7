import { describe, expect, it } from 'vitest';
import { datasetSpecSchema } from '../data/dataset-spec';
import {
  binIndex,
  buildReferenceProfile,
  histogram,
  quantileEdges,
  quantileOfSorted,
  referenceProfileSchema,
} from './reference-profile';

const ascending = (values: number[]) => values.slice().sort((a, b) => a - b);
const sample = [3.2, 1.5, 7.75, 2.0, 2.0, 9.1, 4.4, 0.3, 5.5, 6.25, 2.0, 8.8, 1.1, 3.3, 4.4, 10.0, 0.05, 7.1, 2.6, 5.05, 4.4, 6.6, 3.9];

describe('binIndex and histogram', () => {
  const edges = [1, 2, 3];

  it('uses right-closed bins: a value on an edge goes to the bin below it', () => {
    expect([0.5, 1, 1.5, 2, 3, 3.5].map((v) => binIndex(edges, v))).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it('sends infinities to the outer bins and refuses NaN', () => {
    expect(binIndex(edges, Number.NEGATIVE_INFINITY)).toBe(0);
    expect(binIndex(edges, Number.POSITIVE_INFINITY)).toBe(3);
    expect(() => binIndex(edges, Number.NaN)).toThrow(RangeError);
  });

  it('puts everything in one bin when there are no edges', () => {
    expect(binIndex([], 42)).toBe(0);
    expect(histogram([], [1, 2, 3])).toEqual([3]);
  });

  it('counts values per bin and skips NaN', () => {
    expect(histogram(edges, [0, 1, 1, 2.5, 3, 4, 99, Number.NaN])).toEqual([3, 0, 2, 2]);
  });
});

describe('quantiles', () => {
  it("matches numpy.quantile's default linear method", () => {
    // np.quantile([1, 2, 4, 8], 0.7) and np.quantile([0.1, 0.7, 0.2], 0.35).
    expect(quantileOfSorted([1, 2, 4, 8], 0.7)).toBe(4.399999999999999);
    expect(quantileOfSorted([0.1, 0.2, 0.7], 0.35)).toBe(0.17);
    expect(quantileOfSorted([5], 0.5)).toBe(5);
  });

  // Expected edges: np.quantile(x, np.arange(1, bins) / bins), then dropping values not
  // above the previous kept edge or not below max; counts from np.searchsorted(edges, x,
  // side='left') with np.bincount. numpy 2.4.6.
  it('derives deduplicated inner edges from quantiles, as numpy', () => {
    const sorted = ascending(sample);
    expect(quantileEdges(sorted, 10)).toEqual([
      1.1800000000000002, 2.0, 2.36, 3.28, 4.4, 4.529999999999999, 5.799999999999999, 6.9, 8.590000000000002,
    ]);
    expect(quantileEdges(sorted, 4)).toEqual([2.0, 4.4, 6.425]);
    expect(quantileEdges(sorted, 7)).toEqual([
      1.5714285714285714, 2.1714285714285713, 3.557142857142857, 4.4, 6.0357142857142865, 7.6571428571428575,
    ]);
    expect(quantileEdges(sorted, 1)).toEqual([]);
  });

  it('merges repeated quantiles and drops edges at the maximum', () => {
    // Quantiles of z are 0 x6, 0.2999999999999998, 1.2000000000000002, 2.299999999999999.
    expect(quantileEdges([0, 0, 0, 0, 0, 0, 0, 1, 2, 5], 10)).toEqual([0, 0.2999999999999998, 1.2000000000000002, 2.299999999999999]);
    // Quantiles of t are 1.9, 2.8, 7.199999999999998, then 9 (the max) x6.
    expect(quantileEdges([1, 2, 3, 9, 9, 9, 9, 9, 9, 9], 10)).toEqual([1.9, 2.8, 7.199999999999998]);
  });

  it('gives a constant column no edges', () => {
    expect(quantileEdges([4, 4, 4, 4], 10)).toEqual([]);
  });
});

const spec = datasetSpecSchema.parse({
  features: [
    { name: 'x', type: 'float', nullable: true },
    { name: 'color', type: 'categorical', nullable: true, categories: ['red', 'green', 'blue'] },
    { name: 'flat', type: 'integer' },
  ],
  target: { name: 'y', classes: ['no', 'yes'], positiveClass: 'yes' },
});

describe('buildReferenceProfile', () => {
  const colors = [0, 1, 2, 0, 0, Number.NaN, 1, 2, 0, 1, 1, 0, 2, 0, 1, 0, 0, 2, 1, 0, 1, 1, 0];
  const features = sample.map((x, i) => [x, colors[i]!, 7]);
  features.push([Number.NaN, 0, 7]);
  const predictions = features.map((_, i) => (i % 3 === 0 ? [0.25, 0.75] : [0.5, 0.5]));

  it('profiles numeric, categorical and constant features and the prediction mix', () => {
    const profile = buildReferenceProfile({ spec, features, predictions });
    expect(profile.version).toBe(1);
    expect(profile.rowCount).toBe(24);
    const [x, color, flat] = profile.features;
    // numpy on the 23 non-null x values: counts per bin, min, max, mean and std (ddof=0).
    expect(x).toMatchObject({ name: 'x', kind: 'numeric', nulls: 1, counts: [3, 4, 0, 2, 5, 0, 2, 2, 2, 3], min: 0.05, max: 10 });
    if (x?.kind !== 'numeric') throw new Error('x should be numeric');
    expect(x.mean).toBeCloseTo(4.404347826086956, 9);
    expect(x.std).toBeCloseTo(2.794945478331036, 9);
    // Hand-counted: red 11 (10 + the extra row), green 8, blue 4, one null.
    expect(color).toEqual({ name: 'color', kind: 'categorical', nulls: 1, categories: ['red', 'green', 'blue'], counts: [11, 8, 4] });
    expect(flat).toEqual({ name: 'flat', kind: 'numeric', nulls: 0, edges: [], counts: [24], min: 7, max: 7, mean: 7, std: 0 });
    // Rows 0, 3, ..., 21 (8 rows) predict yes; [0.5, 0.5] ties go to the first class, like argmax.
    // Mean P(yes) = (8 * 0.75 + 16 * 0.5) / 24 = 14 / 24.
    expect(profile.prediction.classes).toEqual(['no', 'yes']);
    expect(profile.prediction.counts).toEqual([16, 8]);
    expect(profile.prediction.meanProbabilities[0]).toBeCloseTo(10 / 24, 12);
    expect(profile.prediction.meanProbabilities[1]).toBeCloseTo(14 / 24, 12);
    expect(referenceProfileSchema.parse(profile)).toEqual(profile);
  });

  it('honours a bins option', () => {
    const profile = buildReferenceProfile({ spec, features, predictions, bins: 4 });
    expect(profile.features[0]).toMatchObject({ edges: [2.0, 4.4, 6.425], counts: [7, 7, 3, 6] });
  });

  it('rejects inconsistent input', () => {
    expect(() => buildReferenceProfile({ spec, features: [], predictions: [] })).toThrow(RangeError);
    expect(() => buildReferenceProfile({ spec, features, predictions: predictions.slice(1) })).toThrow(/prediction rows/);
    expect(() => buildReferenceProfile({ spec, features: [[1, 0]], predictions: [[0.5, 0.5]] })).toThrow(/3 features/);
    expect(() => buildReferenceProfile({ spec, features: [[1, 5, 7]], predictions: [[0.5, 0.5]] })).toThrow(/category index/);
    expect(() => buildReferenceProfile({ spec, features: [[Number.NaN, 0, 7]], predictions: [[0.5, 0.5]] })).toThrow(/every row is null/);
  });
});

describe('referenceProfileSchema', () => {
  const valid = {
    version: 1,
    rowCount: 3,
    features: [{ name: 'x', kind: 'numeric', nulls: 0, edges: [1], counts: [2, 1], min: 0, max: 2, mean: 1, std: 0.5 }],
    prediction: { classes: ['a', 'b'], counts: [1, 2], meanProbabilities: [0.4, 0.6] },
  };

  it('accepts a consistent profile', () => {
    expect(referenceProfileSchema.safeParse(valid).success).toBe(true);
  });

  it('rejects bins that do not match edges, unsorted edges and counts that do not add up', () => {
    const feature = valid.features[0]!;
    const withFeature = (patch: object) => ({ ...valid, features: [{ ...feature, ...patch }] });
    expect(referenceProfileSchema.safeParse(withFeature({ counts: [3] })).success).toBe(false);
    expect(referenceProfileSchema.safeParse(withFeature({ edges: [2, 1], counts: [1, 1, 1] })).success).toBe(false);
    expect(referenceProfileSchema.safeParse(withFeature({ counts: [1, 1] })).success).toBe(false);
    expect(referenceProfileSchema.safeParse({ ...valid, prediction: { ...valid.prediction, counts: [1, 1] } }).success).toBe(false);
    expect(referenceProfileSchema.safeParse({ ...valid, version: 2 }).success).toBe(false);
  });
});

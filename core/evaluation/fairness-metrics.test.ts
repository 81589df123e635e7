import { describe, expect, it } from 'vitest';
import { fairnessMetricNames, fairnessReport, flatFairnessMetrics, type FairnessInput } from './fairness-metrics';

// Group a: 4 rows, 2 positives; group b: 3 rows, no positives; group c: 1 row; category d: no rows.
const binary: FairnessInput = {
  labels: [1, 0, 1, 0, 0, 0, 0, 1],
  predictions: [1, 0, 0, 1, 1, 0, 0, 1],
  numClasses: 2,
  favorableClass: 1,
  sensitiveFeatures: [{ name: 'region', categories: ['a', 'b', 'c', 'd'], groups: [0, 0, 0, 0, 1, 1, 1, 2] }],
};

describe('fairnessReport', () => {
  it('gives each group with rows its accuracy, selection rate and rates, and leaves out an empty category', () => {
    const { groups } = fairnessReport(binary).features.region!;
    expect(Object.keys(groups)).toEqual(['a', 'b', 'c']);
    expect(groups.a).toEqual({ rows: 4, accuracy: 0.5, selection_rate: 0.5, positives: 2, true_positive_rate: 0.5, false_positive_rate: 0.5 });
    // No positives: TPR 0 (fairlearn's nan_to_num), not undefined. One row, no negatives: FPR 0.
    expect(groups.b).toEqual({ rows: 3, accuracy: 2 / 3, selection_rate: 1 / 3, positives: 0, true_positive_rate: 0, false_positive_rate: 1 / 3 });
    expect(groups.c).toEqual({ rows: 1, accuracy: 1, selection_rate: 1, positives: 1, true_positive_rate: 1, false_positive_rate: 0 });
  });

  it('takes differences and ratios between the highest and lowest group', () => {
    const region = fairnessReport(binary).features.region!;
    expect(region).toMatchObject({
      accuracy_min_group: 0.5,
      accuracy_difference: 0.5,
      demographic_parity_difference: 1 - 1 / 3,
      demographic_parity_ratio: 1 / 3,
      equalized_odds_difference: 1,
      equalized_odds_ratio: 0,
    });
  });

  it('gives null ratios where fairlearn gives NaN: no group selected, or no true positive anywhere', () => {
    const never = fairnessReport({ ...binary, predictions: binary.labels.map(() => 0) }).features.region!;
    expect(never).toMatchObject({ demographic_parity_difference: 0, demographic_parity_ratio: null, equalized_odds_difference: 0, equalized_odds_ratio: null });
  });

  it('takes the TPR ratio alone when no group has a false positive, so a perfect model scores 1', () => {
    const halves = { name: 'half', categories: ['first', 'second'], groups: [0, 1, 0, 1, 0, 1, 0, 1] };
    const perfect = fairnessReport({ ...binary, predictions: binary.labels, sensitiveFeatures: [halves] }).features.half!;
    expect(perfect).toMatchObject({ accuracy_min_group: 1, equalized_odds_difference: 0, equalized_odds_ratio: 1 });
  });

  it('counts a group with no positives as TPR 0, as fairlearn does, so even a perfect model shows an equalized-odds gap', () => {
    const perfect = fairnessReport({ ...binary, predictions: binary.labels }).features.region!;
    expect(perfect).toMatchObject({ accuracy_min_group: 1, demographic_parity_difference: 1, equalized_odds_difference: 1, equalized_odds_ratio: 0 });
  });

  it('scores a multi-class target one-vs-rest on the favourable class, with accuracy over all classes', () => {
    const report = fairnessReport({
      labels: [0, 1, 2, 2, 1, 0],
      predictions: [0, 2, 2, 1, 1, 2],
      numClasses: 3,
      favorableClass: 2,
      sensitiveFeatures: [{ name: 'g', categories: ['x', 'y'], groups: [0, 0, 0, 1, 1, 1] }],
    });
    expect(report.favorableClass).toBe(2);
    expect(report.features.g!.groups).toEqual({
      x: { rows: 3, accuracy: 2 / 3, selection_rate: 2 / 3, positives: 1, true_positive_rate: 1, false_positive_rate: 0.5 },
      y: { rows: 3, accuracy: 1 / 3, selection_rate: 1 / 3, positives: 1, true_positive_rate: 0, false_positive_rate: 0.5 },
    });
  });

  it('compares only accuracy when there is no favourable class', () => {
    const report = fairnessReport({ ...binary, favorableClass: undefined });
    expect(report.favorableClass).toBeNull();
    expect(report.features.region!.groups.b).toEqual({ rows: 3, accuracy: 2 / 3 });
    expect(flatFairnessMetrics(report)).toEqual({ 'accuracy_min_group:region': 0.5 });
  });

  it('names its flat metrics <metric>:<feature>, as fairnessMetricNames lists them', () => {
    const input: FairnessInput = { ...binary, sensitiveFeatures: [...binary.sensitiveFeatures, { name: 'sex', categories: ['f', 'm'], groups: [0, 1, 0, 1, 0, 1, 0, 1] }] };
    const flat = flatFairnessMetrics(fairnessReport(input));
    expect(Object.keys(flat)).toEqual(fairnessMetricNames(['region', 'sex'], true));
    expect(flat['equalized_odds_difference:region']).toBe(1);
    expect(fairnessMetricNames(['sex'], false)).toEqual(['accuracy_min_group:sex']);
  });

  it('refuses inputs that do not line up', () => {
    expect(() => fairnessReport({ ...binary, predictions: [1] })).toThrow('8 labels but 1 predictions');
    expect(() => fairnessReport({ ...binary, favorableClass: 2 })).toThrow('favorableClass must be a class index in 0..1, got 2');
    const badGroup = { ...binary.sensitiveFeatures[0]!, groups: [0, 0, 0, 0, 1, 1, 1, 4] };
    expect(() => fairnessReport({ ...binary, sensitiveFeatures: [badGroup] })).toThrow('sensitive feature region, example 7: group 4 is not a category index in 0..3');
  });
});

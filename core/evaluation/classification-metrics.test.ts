import { describe, expect, it } from 'vitest';
import { argmax, classificationMetricNames, classificationReport, rocAuc } from './classification-metrics';

const binaryLabels = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0];
// Scores tie across classes at 0.35 and 0.6, so the AUC exercises averaged ranks.
const positiveScores = [0.1, 0.8, 0.35, 0.35, 0.9, 0.6, 0.6, 0.5, 0.2, 0.05];
const binaryProbabilities = positiveScores.map((p) => [1 - p, p]);
const threeLabels = [0, 1, 2, 2, 1, 0, 2, 1];
const threeProbabilities = [
  [0.7, 0.2, 0.1],
  [0.3, 0.4, 0.3],
  [0.2, 0.2, 0.6],
  [0.5, 0.1, 0.4],
  [0.1, 0.8, 0.1],
  [0.25, 0.5, 0.25],
  [0.3, 0.3, 0.4],
  [0.6, 0.3, 0.1],
];

describe('classificationReport', () => {
  // Expected values: scikit-learn 1.7.2 accuracy_score, precision_recall_fscore_support
  // (zero_division=0), roc_auc_score, log_loss and confusion_matrix. The sklearn comparison over
  // random and edge cases is test/unit/classification-metrics-sklearn.test.ts.
  it('scores a binary model on class 1 by default, with tied scores', () => {
    const { metrics: m, classMetrics, confusionMatrix } = classificationReport({
      labels: binaryLabels,
      probabilities: binaryProbabilities,
      numClasses: 2,
      classNames: ['no', 'yes'],
    });
    expect(m).toMatchObject({ precision: 0.75, recall: 0.6, support: 10 });
    expect(m.accuracy).toBeCloseTo(0.7, 9);
    expect('f1' in m && m.f1).toBeCloseTo(0.6666666666666666, 9);
    expect('roc_auc' in m && m.roc_auc).toBeCloseTo(0.88, 9);
    expect(m.roc_auc_ovr).toBeCloseTo(0.88, 9);
    expect(m.precision_macro).toBeCloseTo(0.7083333333333333, 9);
    expect(m.recall_macro).toBeCloseTo(0.7, 9);
    expect(m.f1_macro).toBeCloseTo(0.696969696969697, 9);
    expect(m.f1_weighted).toBeCloseTo(0.696969696969697, 9);
    expect(m.log_loss).toBeCloseTo(0.43091700051228454, 9);
    expect(Object.keys(classMetrics)).toEqual(['no', 'yes']);
    expect(classMetrics.yes).toEqual({ precision: 0.75, recall: 0.6, f1: expect.closeTo(0.6666666666666666, 9), support: 5 });
    expect(confusionMatrix).toEqual([
      [4, 1],
      [2, 3],
    ]);
  });

  it('scores class 0 as positive when asked', () => {
    const { metrics: m } = classificationReport({ labels: binaryLabels, probabilities: binaryProbabilities, positiveClass: 0, numClasses: 2 });
    expect('precision' in m && m.precision).toBeCloseTo(0.6666666666666666, 9);
    expect('recall' in m && m.recall).toBeCloseTo(0.8, 9);
    expect('f1' in m && m.f1).toBeCloseTo(0.7272727272727273, 9);
    expect('roc_auc' in m && m.roc_auc).toBeCloseTo(0.88, 9);
  });

  it('gives a multi-class model without a positive class only averaged and per-class metrics', () => {
    const { metrics: m, classMetrics, confusionMatrix } = classificationReport({
      labels: threeLabels,
      probabilities: threeProbabilities,
      numClasses: 3,
      classNames: ['a', 'b', 'c'],
    });
    expect(Object.keys(m)).toEqual([
      'accuracy',
      'precision_macro',
      'recall_macro',
      'f1_macro',
      'precision_weighted',
      'recall_weighted',
      'f1_weighted',
      'roc_auc_ovr',
      'log_loss',
      'support',
    ]);
    expect(m.accuracy).toBeCloseTo(0.625, 9);
    expect(m.precision_macro).toBeCloseTo(0.6666666666666666, 9);
    expect(m.recall_macro).toBeCloseTo(0.611111111111111, 9);
    expect(m.f1_macro).toBeCloseTo(0.6222222222222222, 9);
    expect(m.precision_weighted).toBeCloseTo(0.7083333333333333, 9);
    expect(m.recall_weighted).toBeCloseTo(0.625, 9);
    expect(m.f1_weighted).toBeCloseTo(0.65, 9);
    expect(m.roc_auc_ovr).toBeCloseTo(0.8333333333333334, 9);
    expect(m.log_loss).toBeCloseTo(0.8037229350109031, 9);
    expect(classMetrics.a).toEqual({ precision: expect.closeTo(1 / 3, 9), recall: 0.5, f1: expect.closeTo(0.4, 9), support: 2 });
    expect(confusionMatrix).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [1, 0, 2],
    ]);
  });

  it('keeps the positive-class metrics of a multi-class model that names one', () => {
    const { metrics: m } = classificationReport({ labels: threeLabels, probabilities: threeProbabilities, positiveClass: 2, numClasses: 3 });
    expect(m).toMatchObject({ precision: 1, roc_auc: 1 });
    expect('recall' in m && m.recall).toBeCloseTo(0.6666666666666666, 9);
    expect('f1' in m && m.f1).toBeCloseTo(0.8, 9);
    expect(m.f1_macro).toBeCloseTo(0.6222222222222222, 9);
  });

  it('leaves a class neither present nor predicted out of the macro averages, and nulls the OvR AUC', () => {
    // Class 2 never occurs: sklearn (labels=None) averages over classes 0 and 1, and its OvR AUC is NaN.
    const { metrics: m, classMetrics } = classificationReport({
      labels: [0, 1, 1, 0],
      probabilities: [
        [0.6, 0.3, 0.1],
        [0.2, 0.7, 0.1],
        [0.5, 0.4, 0.1],
        [0.3, 0.6, 0.1],
      ],
      numClasses: 3,
    });
    expect(m.precision_macro).toBeCloseTo(0.5, 9);
    expect(m.recall_macro).toBeCloseTo(0.5, 9);
    expect(m.roc_auc_ovr).toBeNull();
    expect(classMetrics['2']).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('clips a zero probability to float64 epsilon, as sklearn 1.7, and uses zero_division=0', () => {
    // sklearn.metrics.log_loss([1, 0], [[1, 0], [1, 0]]) in scikit-learn 1.7.2.
    const { metrics: m } = classificationReport({
      labels: [1, 0],
      probabilities: [
        [1, 0],
        [1, 0],
      ],
      numClasses: 2,
    });
    expect(m.log_loss).toBeCloseTo(18.021826694558577, 9);
    expect(m).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect('roc_auc' in m && m.roc_auc).toBeCloseTo(0.5, 9);
  });

  it('reports a null ROC AUC when only one class is present', () => {
    const { metrics: m } = classificationReport({
      labels: [1, 1],
      probabilities: [
        [0.2, 0.8],
        [0.6, 0.4],
      ],
      numClasses: 2,
    });
    expect(m).toMatchObject({ roc_auc: null, roc_auc_ovr: null });
    expect('recall' in m && m.recall).toBeCloseTo(0.5, 9);
  });

  it('rejects malformed input', () => {
    const base = { labels: [0, 1], probabilities: [[0.5, 0.5], [0.1, 0.9]], positiveClass: 1, numClasses: 2 };
    expect(() => classificationReport({ ...base, labels: [], probabilities: [] })).toThrow(RangeError);
    expect(() => classificationReport({ ...base, labels: [0, 2] })).toThrow(/label 2/);
    expect(() => classificationReport({ ...base, probabilities: [[0.5, 0.5], [1]] })).toThrow(/expected 2/);
    expect(() => classificationReport({ ...base, positiveClass: 2 })).toThrow(RangeError);
    expect(() => classificationReport({ ...base, probabilities: [[0.5, 0.5]] })).toThrow(RangeError);
    expect(() => classificationReport({ ...base, classNames: ['a'] })).toThrow(/1 class names for 2 classes/);
    expect(() => classificationReport({ ...base, classNames: ['a', 'a'] })).toThrow(/distinct/);
  });
});

describe('classificationMetricNames', () => {
  it('lists positive-class names for binary models and for multi-class ones that name a positive class', () => {
    expect(classificationMetricNames(2)).toContain('roc_auc');
    expect(classificationMetricNames(10, 3)).toContain('f1');
    expect(classificationMetricNames(10)).not.toContain('roc_auc');
    expect(classificationMetricNames(10)).toContain('roc_auc_ovr');
  });

  it('names exactly the keys the report gives', () => {
    const { metrics } = classificationReport({ labels: threeLabels, probabilities: threeProbabilities, numClasses: 3 });
    expect(Object.keys(metrics).sort()).toEqual(classificationMetricNames(3).sort());
    const binary = classificationReport({ labels: binaryLabels, probabilities: binaryProbabilities, numClasses: 2 });
    expect(Object.keys(binary.metrics).sort()).toEqual(classificationMetricNames(2).sort());
  });
});

describe('argmax', () => {
  it('returns the first index on ties, like numpy', () => {
    expect(argmax([0.5, 0.5])).toBe(0);
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
  });
});

describe('rocAuc', () => {
  it('is 0.5 when every score ties, and null with one side empty', () => {
    expect(rocAuc([true, false, true, false], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 9);
    expect(rocAuc([false, false], [0.1, 0.2])).toBeNull();
  });
});

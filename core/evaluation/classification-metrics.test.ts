import { describe, expect, it } from 'vitest';
import { argmax, classificationMetrics, rocAuc } from './classification-metrics';

const binaryLabels = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0];
// Scores tie across classes at 0.35 and 0.6, so the AUC exercises averaged ranks.
const positiveScores = [0.1, 0.8, 0.35, 0.35, 0.9, 0.6, 0.6, 0.5, 0.2, 0.05];
const binaryProbabilities = positiveScores.map((p) => [1 - p, p]);

describe('classificationMetrics', () => {
  // Expected values: scikit-learn 1.9.1 accuracy_score, precision/recall/f1_score
  // (zero_division=0 on y == positive), roc_auc_score, log_loss and confusion_matrix.
  it('matches scikit-learn on a binary example with tied scores', () => {
    const m = classificationMetrics({ labels: binaryLabels, probabilities: binaryProbabilities, positiveClass: 1, numClasses: 2 });
    expect(m.accuracy).toBeCloseTo(0.7, 9);
    expect(m.precision).toBeCloseTo(0.75, 9);
    expect(m.recall).toBeCloseTo(0.6, 9);
    expect(m.f1).toBeCloseTo(0.6666666666666666, 9);
    expect(m.roc_auc).toBeCloseTo(0.88, 9);
    expect(m.log_loss).toBeCloseTo(0.43091700051228454, 9);
    expect(m.support).toBe(10);
    expect(m.confusion_matrix).toEqual([
      [4, 1],
      [2, 3],
    ]);
  });

  it('scores class 0 as positive when asked', () => {
    const m = classificationMetrics({ labels: binaryLabels, probabilities: binaryProbabilities, positiveClass: 0, numClasses: 2 });
    expect(m.precision).toBeCloseTo(0.6666666666666666, 9);
    expect(m.recall).toBeCloseTo(0.8, 9);
    expect(m.f1).toBeCloseTo(0.7272727272727273, 9);
    expect(m.roc_auc).toBeCloseTo(0.88, 9);
  });

  it('treats the positive class against the rest with three classes', () => {
    const m = classificationMetrics({
      labels: [0, 1, 2, 2, 1, 0, 2, 1],
      probabilities: [
        [0.7, 0.2, 0.1],
        [0.3, 0.4, 0.3],
        [0.2, 0.2, 0.6],
        [0.5, 0.1, 0.4],
        [0.1, 0.8, 0.1],
        [0.25, 0.5, 0.25],
        [0.3, 0.3, 0.4],
        [0.6, 0.3, 0.1],
      ],
      positiveClass: 2,
      numClasses: 3,
    });
    expect(m.accuracy).toBeCloseTo(0.625, 9);
    expect(m.precision).toBeCloseTo(1, 9);
    expect(m.recall).toBeCloseTo(0.6666666666666666, 9);
    expect(m.f1).toBeCloseTo(0.8, 9);
    expect(m.roc_auc).toBeCloseTo(1, 9);
    expect(m.log_loss).toBeCloseTo(0.8037229350109031, 9);
    expect(m.confusion_matrix).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [1, 0, 2],
    ]);
  });

  it('clips a zero probability to 1e-15 and uses zero_division=0', () => {
    // -(ln(1e-15) + ln(1 - 1e-15)) / 2 computed with numpy; scikit-learn >= 1.5 clips at
    // float64 eps instead and would give 18.0218..., so this pins the documented choice.
    const m = classificationMetrics({
      labels: [1, 0],
      probabilities: [
        [1, 0],
        [1, 0],
      ],
      positiveClass: 1,
      numClasses: 2,
    });
    expect(m.log_loss).toBeCloseTo(17.269388197455342, 9);
    expect(m.precision).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
    expect(m.roc_auc).toBeCloseTo(0.5, 9);
  });

  it('reports a null ROC AUC when only one class is present', () => {
    const m = classificationMetrics({
      labels: [1, 1],
      probabilities: [
        [0.2, 0.8],
        [0.6, 0.4],
      ],
      positiveClass: 1,
      numClasses: 2,
    });
    expect(m.roc_auc).toBeNull();
    expect(m.recall).toBeCloseTo(0.5, 9);
  });

  it('rejects malformed input', () => {
    const base = { labels: [0, 1], probabilities: [[0.5, 0.5], [0.1, 0.9]], positiveClass: 1, numClasses: 2 };
    expect(() => classificationMetrics({ ...base, labels: [] , probabilities: [] })).toThrow(RangeError);
    expect(() => classificationMetrics({ ...base, labels: [0, 2] })).toThrow(/label 2/);
    expect(() => classificationMetrics({ ...base, probabilities: [[0.5, 0.5], [1]] })).toThrow(/expected 2/);
    expect(() => classificationMetrics({ ...base, positiveClass: 2 })).toThrow(RangeError);
    expect(() => classificationMetrics({ ...base, probabilities: [[0.5, 0.5]] })).toThrow(RangeError);
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

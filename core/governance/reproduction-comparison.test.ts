import { describe, expect, it } from 'vitest';
import { compareMetrics, compareReproduction, maxAbsDifference } from './reproduction-comparison';

describe('compareReproduction', () => {
  const metrics = { accuracy: 0.95, roc_auc: 0.99, log_loss: 0.12, precision: null };
  const probabilities = [
    [0.1, 0.9],
    [0.7, 0.3],
  ];

  it('reproduces when metrics and probabilities agree within the tolerance, reporting both deltas', () => {
    const result = compareReproduction({
      originalMetrics: metrics,
      reproducedMetrics: { ...metrics, accuracy: 0.95 + 4e-7 },
      originalProbabilities: probabilities,
      reproducedProbabilities: [
        [0.1, 0.9],
        [0.7 - 9e-7, 0.3 + 9e-7],
      ],
    });
    expect(result.reproduced).toBe(true);
    expect(result.tolerance).toBe(1e-6);
    expect(result.metricsMaxAbsDelta).toBeCloseTo(4e-7, 12);
    expect(result.probabilitiesMaxAbsDelta).toBeCloseTo(9e-7, 12);
    expect(result.maxAbsDelta).toBe(Math.max(result.metricsMaxAbsDelta!, result.probabilitiesMaxAbsDelta!));
    expect(result.worstMetric).toBe('accuracy');
    expect(result.differences).toEqual([]);
    expect(result.metrics.original).toBe(metrics);
  });

  it('is not reproduced when the probabilities differ past the tolerance, even with identical metrics', () => {
    const result = compareReproduction({
      originalMetrics: metrics,
      reproducedMetrics: metrics,
      originalProbabilities: probabilities,
      reproducedProbabilities: [
        [0.1, 0.9],
        [0.69, 0.31],
      ],
    });
    expect(result.metricsMaxAbsDelta).toBe(0);
    expect(result.probabilitiesMaxAbsDelta).toBeCloseTo(0.01, 12);
    expect(result.reproduced).toBe(false);
  });

  it('lists the metrics past the tolerance and honours a given tolerance', () => {
    const reproduced = { ...metrics, roc_auc: 0.98 };
    const strict = compareReproduction({ originalMetrics: metrics, reproducedMetrics: reproduced, originalProbabilities: probabilities, reproducedProbabilities: probabilities });
    expect(strict.reproduced).toBe(false);
    expect(strict.worstMetric).toBe('roc_auc');
    expect(strict.differences).toEqual([{ metric: 'roc_auc', original: 0.99, reproduced: 0.98, absDelta: expect.closeTo(0.01, 12) }]);
    const loose = compareReproduction({ originalMetrics: metrics, reproducedMetrics: reproduced, originalProbabilities: probabilities, reproducedProbabilities: probabilities, tolerance: 0.02 });
    expect(loose.reproduced).toBe(true);
  });

  it('cannot call a reproduction good when something is missing or of another shape', () => {
    const nullVsNumber = compareReproduction({ originalMetrics: metrics, reproducedMetrics: { ...metrics, log_loss: null }, originalProbabilities: probabilities, reproducedProbabilities: probabilities });
    expect(nullVsNumber.reproduced).toBe(false);
    expect(nullVsNumber.maxAbsDelta).toBeNull();
    expect(nullVsNumber.differences).toEqual([{ metric: 'log_loss', original: 0.12, reproduced: null, absDelta: null }]);
    expect(compareMetrics({ f1: Number.NaN }, { f1: 0.5 }, 1e-6).maxAbsDelta).toBeNull();
    const shape = compareReproduction({ originalMetrics: metrics, reproducedMetrics: metrics, originalProbabilities: probabilities, reproducedProbabilities: [[0.1, 0.9]] });
    expect(shape.reproduced).toBe(false);
    expect(shape.probabilitiesMaxAbsDelta).toBeNull();
  });

  it('shows metrics only one side reports without failing on them (an evaluator that learnt a metric since)', () => {
    const result = compareReproduction({ originalMetrics: metrics, reproducedMetrics: { ...metrics, brier: 0.05 }, originalProbabilities: probabilities, reproducedProbabilities: probabilities });
    expect(result.reproduced).toBe(true);
    expect(result.maxAbsDelta).toBe(0);
    expect(result.unmatched).toEqual(['brier']);
    expect(compareMetrics({ a: 1 }, { b: 2 }, 1e-6)).toEqual({ maxAbsDelta: 0, differences: [], unmatched: ['a', 'b'] });
  });
});

describe('maxAbsDifference', () => {
  it('is 0 for equal tables and null for ragged or non-finite ones', () => {
    expect(maxAbsDifference([[1, 2]], [[1, 2]])).toBe(0);
    expect(maxAbsDifference([], [])).toBe(0);
    expect(maxAbsDifference([[1, 2]], [[1]])).toBeNull();
    expect(maxAbsDifference([[1, Number.NaN]], [[1, 2]])).toBeNull();
    expect(maxAbsDifference([[0.25, -3]], [[0.5, -1]])).toBe(2);
  });
});

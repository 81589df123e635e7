import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { datasetSpecSchema } from '../data/dataset-spec';
import { WindsockError } from '../windsock-error';
import { gateMetricProblems } from './gate-metric-problems';
import {
  assignFolds,
  crossValidationMetricsOf,
  crossValidationSchema,
  flatCrossValidationMetrics,
  foldSplits,
  parseCrossValidationMetricName,
  summarizeFolds,
} from './cross-validation';

/** 60 rows of class 0, 30 of class 1, 10 of class 2, interleaved. */
const labels = Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? 2 : i % 3 === 0 ? 1 : 0));
const countsOf = (rows: number[], of: readonly number[]) => [0, 1, 2].map((c) => rows.filter((r) => of[r] === c).length);

describe('assignFolds', () => {
  it('puts every row in exactly one validation fold, and in the training rows of every other fold', () => {
    const folds = 4;
    const splits = foldSplits(assignFolds(labels, { folds, stratified: true, seed: 42 }), folds);
    const validated = splits.flatMap((s) => s.validation).sort((a, b) => a - b);
    expect(validated).toEqual(labels.map((_, i) => i));
    for (const split of splits) {
      expect(split.train.length + split.validation.length).toBe(labels.length);
      expect(split.train.filter((r) => split.validation.includes(r))).toEqual([]);
      expect(split.train).toEqual([...split.train].sort((a, b) => a - b));
    }
  });

  it('keeps the class proportions in each stratified fold: per class, counts within one of each other', () => {
    for (const folds of [2, 3, 5, 10]) {
      const splits = foldSplits(assignFolds(labels, { folds, stratified: true, seed: 7 }), folds);
      const perFold = splits.map((s) => countsOf(s.validation, labels));
      for (const c of [0, 1, 2]) {
        const counts = perFold.map((f) => f[c]!);
        expect(Math.max(...counts) - Math.min(...counts), `class ${c}, ${folds} folds: ${counts}`).toBeLessThanOrEqual(1);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(countsOf(labels.map((_, i) => i), labels)[c]);
      }
      const sizes = splits.map((s) => s.validation.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('holds for any labels, fold count and seed (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 200 }), fc.integer({ min: 2, max: 8 }), fc.integer(), (ys, folds, seed) => {
        const counts = [0, 1, 2, 3].map((c) => ys.filter((y) => y === c).length);
        fc.pre(counts.every((n) => n === 0 || n >= folds));
        const assignment = assignFolds(ys, { folds, stratified: true, seed });
        expect(assignment.every((f) => f >= 0 && f < folds)).toBe(true);
        for (let c = 0; c < 4; c++) {
          const perFold = Array.from({ length: folds }, (_, f) => ys.filter((y, i) => y === c && assignment[i] === f).length);
          expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = assignFolds(labels, { folds: 5, stratified: true, seed: 1 });
    expect(assignFolds(labels, { folds: 5, stratified: true, seed: 1 })).toEqual(a);
    expect(assignFolds(labels, { folds: 5, stratified: true, seed: 2 })).not.toEqual(a);
  });

  it('deals plain k-fold without regard to the classes, sizes within one', () => {
    const assignment = assignFolds(labels, { folds: 3, stratified: false, seed: 42 });
    const sizes = [0, 1, 2].map((f) => assignment.filter((x) => x === f).length);
    expect(sizes.sort()).toEqual([33, 33, 34]);
  });

  it('refuses a class with fewer rows than folds, naming it, and fewer rows than folds at all', () => {
    const rare = [...Array.from({ length: 30 }, () => 0), 1, 1];
    let caught: unknown;
    try {
      assignFolds(rare, { folds: 3, stratified: true, seed: 1, classNames: ['benign', 'malignant'] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WindsockError);
    expect((caught as WindsockError).code).toBe('dataset_invalid');
    expect((caught as WindsockError).message).toContain("class 'malignant' has 2");
    expect((caught as WindsockError).message).toContain('3 folds');
    // Not stratified, the rare class may be missing from a fold: allowed.
    expect(assignFolds(rare, { folds: 3, stratified: false, seed: 1 })).toHaveLength(32);
    expect(() => assignFolds([0, 1], { folds: 3, stratified: false, seed: 1 })).toThrow(/at least 3 training rows/);
  });
});

describe('summarizeFolds', () => {
  it('gives the mean and the sample standard deviation of each metric, values in fold order', () => {
    const summary = summarizeFolds([
      { accuracy: 0.9, f1_macro: 0.8, support: 30 },
      { accuracy: 0.8, f1_macro: 0.7, support: 30 },
      { accuracy: 1.0, f1_macro: 0.9, support: 29 },
    ]);
    expect(Object.keys(summary)).toEqual(['accuracy', 'f1_macro']);
    expect(summary.accuracy!.values).toEqual([0.9, 0.8, 1.0]);
    expect(summary.accuracy!.mean).toBeCloseTo(0.9, 12);
    // sqrt(((0)^2 + (0.1)^2 + (0.1)^2) / 2) = 0.1
    expect(summary.accuracy!.std).toBeCloseTo(0.1, 12);
    expect(summary.f1_macro!.std).toBeCloseTo(0.1, 12);
  });

  it('gives a null mean and std for a metric some fold lacks', () => {
    const summary = summarizeFolds([{ roc_auc_ovr: 0.9 }, { roc_auc_ovr: null }]);
    expect(summary.roc_auc_ovr).toEqual({ mean: null, std: null, values: [0.9, null] });
  });

  it('flattens into cv_<metric>_mean and _std, which parse back', () => {
    const flat = flatCrossValidationMetrics(summarizeFolds([{ accuracy: 0.5 }, { accuracy: 0.7 }]));
    expect(Object.keys(flat)).toEqual(['cv_accuracy_mean', 'cv_accuracy_std']);
    expect(flat.cv_accuracy_mean).toBeCloseTo(0.6, 12);
    expect(parseCrossValidationMetricName('cv_f1_macro_std')).toEqual({ metric: 'f1_macro', statistic: 'std' });
    expect(parseCrossValidationMetricName('f1_macro')).toBeUndefined();
    expect(crossValidationMetricsOf({ accuracy: 1, cv_accuracy_mean: 0.9, cv_accuracy_std: 0.01 })).toEqual({ cv_accuracy_mean: 0.9, cv_accuracy_std: 0.01 });
  });
});

describe('crossValidationSchema', () => {
  it('takes 2..20 folds, stratified by default, and nothing else', () => {
    expect(crossValidationSchema.parse({ folds: 5 })).toEqual({ folds: 5, stratified: true, parallelism: 1 });
    expect(crossValidationSchema.safeParse({ folds: 1 }).success).toBe(false);
    expect(crossValidationSchema.safeParse({ folds: 21 }).success).toBe(false);
    expect(crossValidationSchema.safeParse({ folds: 2.5 }).success).toBe(false);
    expect(crossValidationSchema.safeParse({ folds: 5, shuffle: true }).success).toBe(false);
  });
});

describe('gateMetricProblems on cross-validation metrics', () => {
  const spec = (classes: string[]) => datasetSpecSchema.parse({ features: [{ name: 'x', type: 'float' }], target: { name: 'y', classes } });
  const above = (threshold: number) => ({ threshold, greater_is_better: true });

  it('accepts cv_<metric>_mean and _std of every classification metric when the template cross-validates', () => {
    const gate = { cv_accuracy_mean: above(0.9), cv_f1_std: { threshold: 0.05, greater_is_better: false }, cv_roc_auc_ovr_mean: above(0.9) };
    expect(gateMetricProblems(gate, spec(['no', 'yes']), { crossValidation: true })).toEqual([]);
  });

  it('refuses them when the template does not cross-validate, saying how to', () => {
    const problems = gateMetricProblems({ cv_accuracy_mean: above(0.9) }, spec(['no', 'yes']));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('set evaluation.crossValidation');
    expect(problems[0]!.message).toContain('"accuracy"');
  });

  it('refuses a positive-class metric on a multi-class target, naming the macro one, and a metric never scored', () => {
    const problems = gateMetricProblems({ cv_f1_mean: above(0.9), cv_support_mean: above(1), cv_loss_mean: above(1) }, spec(['a', 'b', 'c']), { crossValidation: true });
    expect(problems.map((p) => p.metric)).toEqual(['cv_f1_mean', 'cv_support_mean', 'cv_loss_mean']);
    expect(problems[0]!.message).toContain('gate on "cv_f1_macro_mean"');
    expect(problems[1]!.message).toContain('is not one the evaluation produces');
  });
});

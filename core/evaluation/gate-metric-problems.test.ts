import { describe, expect, it } from 'vitest';
import { datasetSpecSchema, favorableClassIndex } from '../data/dataset-spec';
import { gateMetricProblems } from './gate-metric-problems';
import type { Gate } from './metric-gate';

const features = [{ name: 'x', type: 'float' }];
const digits = Array.from({ length: 10 }, (_, i) => `digit_${i}`);
const spec = (target: Record<string, unknown>) => datasetSpecSchema.parse({ features, target: { name: 'y', ...target } });
const above = (threshold: number) => ({ threshold, greater_is_better: true });

describe('gateMetricProblems', () => {
  it('accepts the example gate on a binary target, with or without a positive class', () => {
    const gate: Gate = { roc_auc: above(0.95), f1: above(0.9) };
    expect(gateMetricProblems(gate, spec({ classes: ['benign', 'malignant'], positiveClass: 'malignant' }))).toEqual([]);
    expect(gateMetricProblems(gate, spec({ classes: ['benign', 'malignant'] }))).toEqual([]);
  });

  it('refuses positive-class metrics on a multi-class target that names no positive class, suggesting the average', () => {
    const gate: Gate = { f1_macro: above(0.8), roc_auc: above(0.9), roc_auc_ovr: above(0.9) };
    const problems = gateMetricProblems(gate, spec({ classes: digits }));
    expect(problems).toEqual([
      {
        metric: 'roc_auc',
        message:
          'gate metric "roc_auc" is scored only for a positive class, and this 10-class target names none: ' +
          'set target.positiveClass, or gate on "roc_auc_ovr"',
      },
    ]);
    expect(gateMetricProblems(gate, spec({ classes: digits, positiveClass: 'digit_7' }))).toEqual([]);
  });

  it('refuses a name the evaluation never produces, whatever the target', () => {
    const gate: Gate = { f1_marco: above(0.8), constructor: above(0.1) };
    const problems = gateMetricProblems(gate, spec({ classes: ['a', 'b'] }));
    expect(problems.map((p) => p.metric)).toEqual(['f1_marco', 'constructor']);
    expect(problems[0]!.message).toMatch(/^gate metric "f1_marco" is not one the evaluation produces; it produces accuracy, /);
    expect(problems[0]!.message).toContain('f1_macro');
  });
});

describe('datasetSpecSchema target', () => {
  it('makes positiveClass optional and refuses one that is not a class', () => {
    expect(spec({ classes: digits }).target.positiveClass).toBeUndefined();
    const result = datasetSpecSchema.safeParse({ features, target: { name: 'y', classes: ['a', 'b'], positiveClass: 'c' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['target', 'positiveClass'], message: 'positiveClass "c" is not one of the classes (a, b)' });
  });

  it('refuses a class listed twice, since per-class metrics are keyed by name', () => {
    const result = datasetSpecSchema.safeParse({ features, target: { name: 'y', classes: ['a', 'b', 'a'] } });
    expect(result.error?.issues[0]).toMatchObject({ path: ['target', 'classes'], message: 'class "a" is listed twice' });
  });
});

describe('gateMetricProblems on fairness metrics', () => {
  const below = (threshold: number) => ({ threshold, greater_is_better: false });
  const categorical = [
    { name: 'x', type: 'float' },
    { name: 'sex', type: 'categorical', categories: ['female', 'male'] },
    { name: 'region', type: 'categorical', categories: ['north', 'south'] },
  ];
  const fairSpec = (target: Record<string, unknown>, sensitiveFeatures?: string[]) =>
    datasetSpecSchema.parse({ features: categorical, target: { name: 'y', ...target }, ...(sensitiveFeatures ? { sensitiveFeatures } : {}) });

  it('accepts every fairness metric of a sensitive feature of a binary target', () => {
    const gate: Gate = {
      'demographic_parity_difference:sex': below(0.1),
      'demographic_parity_ratio:sex': above(0.8),
      'equalized_odds_difference:sex': below(0.1),
      'equalized_odds_ratio:sex': above(0.8),
      'accuracy_min_group:region': above(0.8),
    };
    expect(gateMetricProblems(gate, fairSpec({ classes: ['no', 'yes'] }, ['sex', 'region']))).toEqual([]);
  });

  it('refuses a fairness metric of a feature the spec does not list as sensitive, naming those it does', () => {
    const gate: Gate = { 'demographic_parity_difference:region': below(0.1), 'equalized_odds_difference:sex': below(0.1) };
    expect(gateMetricProblems(gate, fairSpec({ classes: ['no', 'yes'] }, ['sex']))).toEqual([
      { metric: 'demographic_parity_difference:region', message: `gate metric "demographic_parity_difference:region" needs "region" in the spec's sensitiveFeatures; it lists sex` },
    ]);
    expect(gateMetricProblems(gate, fairSpec({ classes: ['no', 'yes'] }))[1]!.message).toBe(
      `gate metric "equalized_odds_difference:sex" needs "sex" in the spec's sensitiveFeatures; it lists none`,
    );
  });

  it('refuses selection metrics on a multi-class target with no favourable class, suggesting accuracy_min_group', () => {
    const gate: Gate = { 'demographic_parity_difference:sex': below(0.1), 'accuracy_min_group:sex': above(0.7) };
    expect(gateMetricProblems(gate, fairSpec({ classes: ['a', 'b', 'c'] }, ['sex']))).toEqual([
      {
        metric: 'demographic_parity_difference:sex',
        message:
          'gate metric "demographic_parity_difference:sex" is scored only with a favourable class, and this 3-class target names none: ' +
          'set target.favorableClass (or target.positiveClass), or gate on "accuracy_min_group:sex"',
      },
    ]);
    expect(gateMetricProblems(gate, fairSpec({ classes: ['a', 'b', 'c'], favorableClass: 'c' }, ['sex']))).toEqual([]);
    expect(gateMetricProblems(gate, fairSpec({ classes: ['a', 'b', 'c'], positiveClass: 'b' }, ['sex']))).toEqual([]);
  });

  it('treats an unknown metric with a colon as any unknown name', () => {
    const problems = gateMetricProblems({ 'parity:sex': below(0.1) }, fairSpec({ classes: ['no', 'yes'] }, ['sex']));
    expect(problems[0]!.message).toMatch(/^gate metric "parity:sex" is not one the evaluation produces; it produces accuracy, .*demographic_parity_difference:sex/);
  });
});

describe('datasetSpecSchema fairness fields', () => {
  const categorical = [
    { name: 'age', type: 'integer' },
    { name: 'sex', type: 'categorical', categories: ['female', 'male'] },
    { name: 'zip', type: 'categorical', categories: ['1', '2'], nullable: true },
  ];
  const parse = (extra: Record<string, unknown>, target: Record<string, unknown> = {}) =>
    datasetSpecSchema.safeParse({ features: categorical, target: { name: 'y', classes: ['a', 'b', 'c'], ...target }, ...extra });

  it('takes sensitive features that are non-nullable categorical features, and a favourable class', () => {
    const result = parse({ sensitiveFeatures: ['sex'] }, { favorableClass: 'c' });
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({ sensitiveFeatures: ['sex'], target: { favorableClass: 'c' } });
    expect(favorableClassIndex(result.data!)).toBe(2);
  });

  it('defaults the favourable class to the positive class, else class 1 of a binary target', () => {
    expect(favorableClassIndex(spec({ classes: ['a', 'b', 'c'] }))).toBeUndefined();
    expect(favorableClassIndex(spec({ classes: ['a', 'b', 'c'], positiveClass: 'a' }))).toBe(0);
    expect(favorableClassIndex(spec({ classes: ['no', 'yes'] }))).toBe(1);
    expect(favorableClassIndex(spec({ classes: ['no', 'yes'], positiveClass: 'yes', favorableClass: 'no' }))).toBe(0);
  });

  it('refuses a sensitive feature that is missing, numeric, nullable or listed twice, and a favourable class that is not a class', () => {
    const result = parse({ sensitiveFeatures: ['race', 'age', 'zip', 'sex', 'sex'] }, { favorableClass: 'd' });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['target.favorableClass', 'favorableClass "d" is not one of the classes (a, b, c)'],
      ['sensitiveFeatures.0', 'sensitive feature "race" is not a feature of the spec; the categorical features are sex, zip'],
      ['sensitiveFeatures.1', 'sensitive feature "age" is a numeric (integer) feature; it must be categorical (the categorical features are sex, zip)'],
      ['sensitiveFeatures.2', 'sensitive feature "zip" is nullable; a sensitive feature must be non-nullable so that every row has a group'],
      ['sensitiveFeatures.4', 'sensitive feature "sex" is listed twice'],
    ]);
  });

  it('reports malformed features without checking the sensitive ones against them', () => {
    const result = datasetSpecSchema.safeParse({ features: 'sex', target: { name: 'y', classes: ['a', 'b'] }, sensitiveFeatures: ['sex'] });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['features']);
  });
});

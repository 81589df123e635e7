import { describe, expect, it } from 'vitest';
import { datasetSpecSchema } from '../data/dataset-spec';
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

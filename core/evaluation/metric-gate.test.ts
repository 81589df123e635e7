import { describe, expect, it } from 'vitest';
import { evaluateGate, gateSchema, metricThresholdSchema } from './metric-gate';
import type { Gate } from './metric-gate';

// Values are dyadic fractions (0.75, 0.125, ...) so the hand-worked sums are exact in floats.
describe('metricThresholdSchema', () => {
  it('requires at least one rule and greater_is_better', () => {
    expect(metricThresholdSchema.safeParse({ greater_is_better: true }).success).toBe(false);
    expect(metricThresholdSchema.safeParse({ threshold: 0.5 }).success).toBe(false);
    expect(metricThresholdSchema.safeParse({ threshold: 0.5, greater_is_better: true }).success).toBe(true);
  });

  it('follows MLflow on ranges: absolute change positive, relative change within [0, 1]', () => {
    expect(metricThresholdSchema.safeParse({ min_absolute_change: 0, greater_is_better: true }).success).toBe(false);
    expect(metricThresholdSchema.safeParse({ min_relative_change: 1.5, greater_is_better: true }).success).toBe(false);
    expect(metricThresholdSchema.safeParse({ min_relative_change: 0, greater_is_better: true }).success).toBe(true);
  });

  it('rejects unknown keys so a misspelt rule cannot silently disable a check', () => {
    expect(metricThresholdSchema.safeParse({ threshold: 0.5, min_abs_change: 0.1, greater_is_better: true }).success).toBe(false);
  });

  it('parses a gate keyed by metric name', () => {
    const parsed = gateSchema.parse({ roc_auc: { threshold: 0.75, greater_is_better: true } });
    expect(parsed).toEqual({ roc_auc: { threshold: 0.75, greater_is_better: true } });
  });
});

describe('evaluateGate', () => {
  it('applies thresholds in the metric direction, inclusive', () => {
    const gate: Gate = {
      accuracy: { threshold: 0.75, greater_is_better: true },
      log_loss: { threshold: 0.5, greater_is_better: false },
    };
    expect(evaluateGate(gate, { accuracy: 0.75, log_loss: 0.5 }).passed).toBe(true);
    const result = evaluateGate(gate, { accuracy: 0.625, log_loss: 0.625 });
    expect(result.passed).toBe(false);
    expect(result.checks.map((c) => [c.metric, c.passed, c.required])).toEqual([
      ['accuracy', false, 0.75],
      ['log_loss', false, 0.5],
    ]);
    expect(result.checks[0]!.message).toBe('accuracy = 0.625 fails threshold >= 0.75');
  });

  it('requires an absolute improvement over the baseline', () => {
    const gate: Gate = {
      accuracy: { min_absolute_change: 0.125, greater_is_better: true },
      log_loss: { min_absolute_change: 0.125, greater_is_better: false },
    };
    // accuracy: 0.875 >= 0.75 + 0.125 passes; log_loss: 0.5 <= 0.75 - 0.125 passes.
    const pass = evaluateGate(gate, { accuracy: 0.875, log_loss: 0.5 }, { accuracy: 0.75, log_loss: 0.75 });
    expect(pass.passed).toBe(true);
    expect(pass.checks.map((c) => c.required)).toEqual([0.875, 0.625]);
    // accuracy: 0.8125 < 0.875 fails; log_loss: 0.6875 > 0.625 fails.
    const fail = evaluateGate(gate, { accuracy: 0.8125, log_loss: 0.6875 }, { accuracy: 0.75, log_loss: 0.75 });
    expect(fail.checks.map((c) => c.passed)).toEqual([false, false]);
    expect(fail.checks[0]!.message).toBe(
      'accuracy = 0.8125 fails min_absolute_change: needs >= 0.875 (baseline 0.75 + 0.125)',
    );
  });

  it('compares against baseline + change in floats, as MLflow does', () => {
    // 0.8 + 0.05 is 0.8500000000000001 in binary floating point, so 0.85 falls short, in MLflow too.
    const result = evaluateGate({ accuracy: { min_absolute_change: 0.05, greater_is_better: true } }, { accuracy: 0.85 }, { accuracy: 0.8 });
    expect(result.passed).toBe(false);
  });

  it('requires a relative improvement measured against |baseline|', () => {
    const gate: Gate = { score: { min_relative_change: 0.25, greater_is_better: true } };
    // (0.625 - 0.5) / 0.5 = 0.25 passes; (0.5625 - 0.5) / 0.5 = 0.125 fails.
    expect(evaluateGate(gate, { score: 0.625 }, { score: 0.5 }).passed).toBe(true);
    const fail = evaluateGate(gate, { score: 0.5625 }, { score: 0.5 });
    expect(fail.passed).toBe(false);
    expect(fail.checks[0]!.required).toBe(0.625);
    // Negative baseline: (-1.5 - -2) / |-2| = 0.25 passes (MLflow's signed divisor would fail it).
    expect(evaluateGate(gate, { score: -1.5 }, { score: -2 }).passed).toBe(true);
    // Lower is better: (2 - 1.5) / 2 = 0.25 passes, (2 - 1.75) / 2 = 0.125 fails.
    const lower: Gate = { loss: { min_relative_change: 0.25, greater_is_better: false } };
    expect(evaluateGate(lower, { loss: 1.5 }, { loss: 2 }).passed).toBe(true);
    expect(evaluateGate(lower, { loss: 1.75 }, { loss: 2 }).passed).toBe(false);
  });

  it('with a zero baseline requires the candidate to beat 0 by 1e-10', () => {
    const gate: Gate = { gain: { min_relative_change: 0.5, greater_is_better: true } };
    expect(evaluateGate(gate, { gain: 0.001 }, { gain: 0 }).passed).toBe(true);
    expect(evaluateGate(gate, { gain: 0 }, { gain: 0 }).passed).toBe(false);
    expect(evaluateGate(gate, { gain: 1e-11 }, { gain: 0 }).passed).toBe(false);
    const lower: Gate = { loss: { min_relative_change: 0.5, greater_is_better: false } };
    expect(evaluateGate(lower, { loss: -0.001 }, { loss: 0 }).passed).toBe(true);
    expect(evaluateGate(lower, { loss: 0.001 }, { loss: 0 }).passed).toBe(false);
  });

  it('skips baseline checks when there is no baseline, but still applies thresholds', () => {
    const gate: Gate = { roc_auc: { threshold: 0.75, min_absolute_change: 0.125, min_relative_change: 0.25, greater_is_better: true } };
    const result = evaluateGate(gate, { roc_auc: 0.875 });
    expect(result.passed).toBe(true);
    expect(result.checks.map((c) => [c.kind, c.passed, c.skipped])).toEqual([
      ['threshold', true, false],
      ['min_absolute_change', true, true],
      ['min_relative_change', true, true],
    ]);
    expect(result.checks[1]!.baseline).toBeUndefined();
    expect(evaluateGate(gate, { roc_auc: 0.5 }).passed).toBe(false);
  });

  it('fails a metric missing, null or NaN in the candidate', () => {
    const gate: Gate = { roc_auc: { threshold: 0.5, min_absolute_change: 0.125, greater_is_better: true } };
    for (const candidate of [{}, { roc_auc: null }, { roc_auc: Number.NaN }]) {
      const result = evaluateGate(gate, candidate, { roc_auc: 0.75 });
      expect(result.passed).toBe(false);
      expect(result.checks.every((c) => !c.passed && c.candidate === null)).toBe(true);
    }
    expect(evaluateGate(gate, {}).checks[0]!.message).toBe(
      "roc_auc is missing from the candidate's metrics; it must be >= 0.5",
    );
    // An AUC undefined on this holdout (a class absent) holds null: the message says so, not "missing".
    expect(evaluateGate(gate, { roc_auc: null }, { roc_auc: 0.75 }).checks.map((c) => c.message)).toEqual([
      "roc_auc has no value (null) in the candidate's metrics; it must be >= 0.5",
      "roc_auc has no value (null) in the candidate's metrics; it must be >= 0.875 (baseline 0.75 + 0.125)",
    ]);
  });

  it('fails baseline checks when a given baseline lacks the metric', () => {
    const gate: Gate = { f1: { min_absolute_change: 0.125, greater_is_better: true } };
    const result = evaluateGate(gate, { f1: 0.875 }, { accuracy: 0.75 });
    expect(result.passed).toBe(false);
    expect(result.checks[0]).toMatchObject({ passed: false, skipped: false, baseline: null, required: null });
  });

  it('passes an empty gate', () => {
    expect(evaluateGate({}, {})).toEqual({ passed: true, checks: [] });
  });
});

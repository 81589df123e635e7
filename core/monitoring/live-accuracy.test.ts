import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classificationReport } from '../evaluation/classification-metrics';
import { accuracyPolicySchema, decideAccuracyAlert, liveAccuracy, type LabelledCell } from './live-accuracy';
import { retrainPolicySchema } from './retrain-trigger';

const cell = (label: number, predicted: number, count: number, delayMs = 0): LabelledCell => ({ label, predicted, count, delayMsSum: delayMs * count, delayMsMax: delayMs });

describe('liveAccuracy', () => {
  it('scores joined pairs as the offline evaluation scores the same predictions', () => {
    const names = ['a', 'b', 'c'];
    const cells = [cell(0, 0, 5, 1000), cell(0, 1, 2, 3000), cell(1, 1, 4, 500), cell(2, 0, 1, 60_000), cell(2, 2, 3, 2000)];
    const live = liveAccuracy(cells, names);
    const labels: number[] = [];
    const probabilities: number[][] = [];
    for (const c of cells) {
      for (let i = 0; i < c.count; i++) {
        labels.push(c.label);
        probabilities.push(names.map((_, k) => (k === c.predicted ? 1 : 0)));
      }
    }
    const offline = classificationReport({ labels, probabilities, numClasses: 3, classNames: names });
    expect(live.labelled).toBe(15);
    expect(live.accuracy).toBeCloseTo(offline.metrics.accuracy, 12);
    expect(live.accuracy).toBeCloseTo(12 / 15, 12);
    expect(live.macroF1).toBeCloseTo(offline.metrics.f1_macro, 12);
    expect(live.confusionMatrix).toEqual(offline.confusionMatrix);
    expect(live.classMetrics).toEqual(offline.classMetrics);
    expect(live.labelDelaySeconds).toEqual({ mean: (5 * 1 + 2 * 3 + 4 * 0.5 + 60 + 3 * 2) / 15, max: 60 });
  });

  it('agrees with the offline metrics on any confusion counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }).chain((k) => fc.tuple(fc.constant(k), fc.array(fc.tuple(fc.nat(k - 1), fc.nat(k - 1), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 12 }))), ([k, raw]) => {
        const names = Array.from({ length: k }, (_, i) => `c${i}`);
        const cells = raw.map(([label, predicted, count]) => cell(label, predicted, count));
        const labels = cells.flatMap((c) => new Array<number>(c.count).fill(c.label));
        const probabilities = cells.flatMap((c) => Array.from({ length: c.count }, () => names.map((_, j) => (j === c.predicted ? 1 : 0))));
        const offline = classificationReport({ labels, probabilities, numClasses: k, classNames: names });
        const live = liveAccuracy(cells, names);
        expect(live.accuracy).toBeCloseTo(offline.metrics.accuracy, 12);
        expect(live.macroF1).toBeCloseTo(offline.metrics.f1_macro, 12);
        expect(live.confusionMatrix).toEqual(offline.confusionMatrix);
      }),
    );
  });

  it('leaves a class neither labelled nor predicted out of the macro average, as sklearn does', () => {
    const live = liveAccuracy([cell(0, 0, 3), cell(1, 0, 1)], ['x', 'y', 'z']);
    // F1(x) = 2*3/(4+3) = 6/7, F1(y) = 0; z is absent from both sides.
    expect(live.macroF1).toBeCloseTo((6 / 7 + 0) / 2, 12);
    expect(live.classMetrics.z).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('has nothing to score without labels', () => {
    expect(liveAccuracy([], ['a', 'b'])).toMatchObject({ labelled: 0, accuracy: null, macroF1: null, confusionMatrix: [[0, 0], [0, 0]], labelDelaySeconds: null });
  });

  it('refuses pairs outside the version classes', () => {
    expect(() => liveAccuracy([cell(2, 0, 1)], ['a', 'b'])).toThrow(RangeError);
    expect(() => liveAccuracy([cell(0, -1, 1)], ['a', 'b'])).toThrow(RangeError);
  });
});

describe('decideAccuracyAlert', () => {
  const policy = accuracyPolicySchema.parse({ floor: 0.9, minLabels: 50, window: '1h' });
  const now = Date.parse('2026-11-30T12:00:00Z');

  it('parses durations to seconds and has defaults', () => {
    expect(policy.window).toBe(3600);
    expect(accuracyPolicySchema.parse({ floor: 0.8 })).toEqual({ floor: 0.8, minLabels: 100, window: 86400 });
    expect(accuracyPolicySchema.parse(accuracyPolicySchema.parse({ floor: 0.8, window: '6h' }))).toEqual({ floor: 0.8, minLabels: 100, window: 21600 });
    expect(accuracyPolicySchema.safeParse({ floor: 1.5 }).success).toBe(false);
    expect(accuracyPolicySchema.safeParse({ floor: 0.5, window: '90d' }).success).toBe(false);
    expect(accuracyPolicySchema.safeParse({ floor: 0.5, threshold: 1 }).success).toBe(false);
    expect(retrainPolicySchema.parse({ accuracy: { floor: 0.7 } }).accuracy).toEqual({ floor: 0.7, minLabels: 100, window: 86400 });
  });

  it('triggers below the floor with enough labels', () => {
    expect(decideAccuracyAlert({ labelled: 60, accuracy: 0.85, policy, now })).toMatchObject({ trigger: true, reason: 'below_floor' });
  });

  it('names why it does not trigger', () => {
    expect(decideAccuracyAlert({ labelled: 49, accuracy: 0.1, policy, now })).toMatchObject({ trigger: false, reason: 'insufficient_labels' });
    expect(decideAccuracyAlert({ labelled: 0, accuracy: null, policy, now })).toMatchObject({ trigger: false, reason: 'insufficient_labels' });
    expect(decideAccuracyAlert({ labelled: 60, accuracy: 0.9, policy, now })).toMatchObject({ trigger: false, reason: 'at_or_above_floor' });
    expect(decideAccuracyAlert({ labelled: 60, accuracy: 0.5, policy, enabled: false, now })).toMatchObject({ trigger: false, reason: 'disabled' });
  });

  it('fires once per window: not again until a whole window (or a longer cooldown) has passed', () => {
    const last = new Date(now - 30 * 60_000);
    expect(decideAccuracyAlert({ labelled: 60, accuracy: 0.5, policy, lastTriggeredAt: last, now })).toMatchObject({ trigger: false, reason: 'already_alerted', until: '2026-11-30T12:30:00.000Z' });
    expect(decideAccuracyAlert({ labelled: 60, accuracy: 0.5, policy, lastTriggeredAt: last, now: now + 30 * 60_000 })).toMatchObject({ trigger: true });
    expect(decideAccuracyAlert({ labelled: 60, accuracy: 0.5, policy, lastTriggeredAt: last, cooldownSeconds: 6 * 3600, now: now + 30 * 60_000 })).toMatchObject({ trigger: false, reason: 'already_alerted' });
  });
});

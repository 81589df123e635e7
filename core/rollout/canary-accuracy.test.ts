// The canary's accuracy check (judgeOn: ['accuracy', ...]) and the retrain path's default judgement.
import { describe, expect, it } from 'vitest';
import { canaryPolicySchema, decideCanary, type CanaryDecision, type CanaryPolicyInput, type LabelledAccuracy } from './canary-decision';
import { retrainRolloutPlan } from './retrain-canary-policy';
import type { ReferenceProfile } from '../monitoring/reference-profile';
import { emptyVersionSketch, recordInference, type VersionSketch } from '../monitoring/version-sketch';

const profile: ReferenceProfile = {
  version: 1,
  rowCount: 100,
  features: [{ name: 'x', kind: 'numeric', edges: [1, 2], counts: [25, 50, 25], nulls: 0, min: 0, max: 3, mean: 1.5, std: 0.7 }],
  prediction: { classes: ['a', 'b'], counts: [50, 50], meanProbabilities: [0.5, 0.5] },
};

function sketchOf(n: number, predicted: (i: number) => number = (i) => i % 2): VersionSketch {
  const sketch = emptyVersionSketch(profile);
  for (let i = 0; i < n; i++) recordInference(sketch, profile, { latencyMs: 10, rows: [[[0.5, 1.5, 1.5, 2.5][i % 4]!]], predictedClasses: [predicted(i)] });
  return sketch;
}

const accuracyOf = (d: CanaryDecision) => d.checks.find((c) => c.name === 'accuracy');

function decide(policy: CanaryPolicyInput, canaryAccuracy?: LabelledAccuracy, stableAccuracy?: LabelledAccuracy, canary = sketchOf(200)) {
  return decideCanary({ canary, stable: sketchOf(800), policy, extensions: 0, canaryAccuracy, stableAccuracy });
}

describe('the accuracy check', () => {
  const judging: CanaryPolicyInput = { judgeOn: ['errors', 'latency', 'accuracy'], minLabels: 50 };

  it('is absent unless judgeOn names accuracy, so older policies decide as they did', () => {
    const d = decide({}, { labelled: 500, accuracy: 0.1 }, { labelled: 500, accuracy: 0.9 });
    expect(accuracyOf(d)).toBeUndefined();
    expect(d.verdict).toBe('promote');
    expect(d.checks.map((c) => c.name)).toEqual(['min_requests', 'error_rate', 'latency_p95', 'prediction_divergence', 'drift']);
  });

  it('rolls back a canary more than maxAccuracyDrop below stable, and passes one within it', () => {
    const worse = decide(judging, { labelled: 60, accuracy: 0.85 }, { labelled: 400, accuracy: 0.9 });
    expect(worse.verdict).toBe('rollback');
    expect(accuracyOf(worse)).toMatchObject({ passed: false, canary: 0.85, stable: 0.9 });
    expect(accuracyOf(worse)!.threshold).toBeCloseTo(0.88, 12);
    const close = decide({ ...judging, maxAccuracyDrop: 0.05 }, { labelled: 60, accuracy: 0.85 }, { labelled: 400, accuracy: 0.9 });
    expect(close.verdict).toBe('promote');
    expect(accuracyOf(close)).toMatchObject({ passed: true });
  });

  it('waits for labels: too few on the canary, or on stable without a minAccuracy, is not judged', () => {
    expect(accuracyOf(decide(judging, { labelled: 49, accuracy: 0 }, { labelled: 400, accuracy: 0.9 }))).toMatchObject({ passed: null });
    expect(accuracyOf(decide(judging, undefined, { labelled: 400, accuracy: 0.9 }))).toMatchObject({ passed: null });
    expect(accuracyOf(decide(judging, { labelled: 60, accuracy: 0.5 }, { labelled: 10, accuracy: 0.9 }))).toMatchObject({ passed: null, canary: 0.5 });
  });

  it('holds the canary to minAccuracy with or without stable, the stricter limit binding', () => {
    const floor = { ...judging, minAccuracy: 0.8 };
    expect(decide(floor, { labelled: 60, accuracy: 0.75 }).verdict).toBe('rollback');
    expect(decide(floor, { labelled: 60, accuracy: 0.82 }).verdict).toBe('promote');
    const both = accuracyOf(decide(floor, { labelled: 60, accuracy: 0.79 }, { labelled: 400, accuracy: 0.7 }));
    expect(both).toMatchObject({ passed: false, threshold: 0.8 });
  });

  it('reports the checks judgeOn leaves out as not judged, so a class-mix change does not roll back', () => {
    const mixed = decide(judging, { labelled: 60, accuracy: 0.9 }, { labelled: 400, accuracy: 0.9 }, sketchOf(200, (i) => (i % 10 === 0 ? 1 : 0)));
    expect(mixed.verdict).toBe('promote');
    expect(mixed.checks.find((c) => c.name === 'prediction_divergence')).toMatchObject({ passed: null, message: "not judged: the policy's judgeOn leaves out class_mix" });
    expect(decide({}, undefined, undefined, sketchOf(200, (i) => (i % 10 === 0 ? 1 : 0))).verdict).toBe('rollback');
  });

  it('refuses an empty or unknown judgement', () => {
    expect(canaryPolicySchema.safeParse({ judgeOn: [] }).success).toBe(false);
    expect(canaryPolicySchema.safeParse({ judgeOn: ['vibes'] }).success).toBe(false);
    expect(canaryPolicySchema.parse({})).not.toHaveProperty('judgeOn');
  });
});

describe('retrainRolloutPlan', () => {
  it('judges errors, latency and accuracy unless the template says what to judge', () => {
    const plan: { steps: number[]; policy?: CanaryPolicyInput } = { steps: [10, 100] };
    expect(retrainRolloutPlan(plan)).toEqual({ steps: [10, 100], policy: { judgeOn: ['errors', 'latency', 'accuracy'] } });
    expect(retrainRolloutPlan({ policy: { minRequests: 10 } }).policy).toEqual({ minRequests: 10, judgeOn: ['errors', 'latency', 'accuracy'] });
    expect(retrainRolloutPlan({ policy: { judgeOn: ['errors' as const] } }).policy).toEqual({ judgeOn: ['errors'] });
  });
});

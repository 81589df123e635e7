import { describe, expect, it } from 'vitest';
import { canaryPolicySchema, decideCanary, type CanaryCheckName, type CanaryDecision } from './canary-decision';
import { jensenShannonDistance } from '../statistics/drift-statistics';
import type { ReferenceProfile } from '../monitoring/reference-profile';
import { emptyVersionSketch, recordInference, type VersionSketch } from '../monitoring/version-sketch';

const profile: ReferenceProfile = {
  version: 1,
  rowCount: 100,
  features: [{ name: 'x', kind: 'numeric', edges: [1, 2], counts: [25, 50, 25], nulls: 0, min: 0, max: 3, mean: 1.5, std: 0.7 }],
  prediction: { classes: ['a', 'b'], counts: [50, 50], meanProbabilities: [0.5, 0.5] },
};

const threeClassProfile: ReferenceProfile = {
  ...profile,
  prediction: { classes: ['a', 'b', 'c'], counts: [34, 33, 33], meanProbabilities: [0.34, 0.33, 0.33] },
};

/** Values that land 25/50/25 on the profile's bins, as its reference did. */
const typicalX = (i: number) => [0.5, 1.5, 1.5, 2.5][i % 4]!;

type Traffic = {
  errors?: number;
  latencyMs?: number | ((i: number) => number);
  predicted?: (i: number) => number;
  x?: (i: number) => number;
  profile?: ReferenceProfile;
};

/** A sketch of n requests of one row each; the first `errors` of them fail with no prediction. */
function sketchOf(n: number, traffic: Traffic = {}): VersionSketch {
  const p = traffic.profile ?? profile;
  const { errors = 0, latencyMs = 10, predicted = (i: number) => i % 2, x = typicalX } = traffic;
  const sketch = emptyVersionSketch(p);
  for (let i = 0; i < n; i++) {
    const error = i < errors;
    recordInference(sketch, p, {
      latencyMs: typeof latencyMs === 'number' ? latencyMs : latencyMs(i),
      rows: [[x(i)]],
      predictedClasses: error ? [] : [predicted(i)],
      error,
    });
  }
  return sketch;
}

function checkOf(decision: CanaryDecision, name: CanaryCheckName) {
  const found = decision.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no ${name} check`);
  return found;
}

describe('a healthy canary', () => {
  it('promotes when every evaluated check passes, and says which were not evaluated', () => {
    const decision = decideCanary({ canary: sketchOf(100), stable: sketchOf(1000), extensions: 0 });
    expect(decision.verdict).toBe('promote');
    expect(decision.checks.map((c) => [c.name, c.passed])).toEqual([
      ['min_requests', true],
      ['error_rate', true],
      ['latency_p95', true],
      ['prediction_divergence', true],
      ['drift', null],
    ]);
    expect(decision.reasons).toEqual(['every evaluated check passed (min_requests, error_rate, latency_p95, prediction_divergence); not evaluated: drift']);
    expect(checkOf(decision, 'error_rate')).toMatchObject({ canary: 0, stable: 0, threshold: 0.01 });
    expect(checkOf(decision, 'latency_p95')).toMatchObject({ canary: 10, stable: 10, threshold: 15 });
  });

  it('is JSON-serialisable as it stands and the same for the same input', () => {
    const input = { canary: sketchOf(3, { errors: 3 }), stable: sketchOf(0), extensions: 0 };
    const decision = decideCanary(input);
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
    expect(decideCanary(input)).toEqual(decision);
    for (const c of decision.checks) {
      for (const value of [c.canary, c.stable, c.threshold]) if (value !== undefined) expect(Number.isFinite(value)).toBe(true);
    }
  });
});

describe('minimum requests', () => {
  it('holds below minRequests and judges at exactly minRequests', () => {
    const short = decideCanary({ canary: sketchOf(49), stable: sketchOf(500), extensions: 0 });
    expect(short.verdict).toBe('hold');
    expect(short.reasons).toEqual(['canary served 49 requests, fewer than the 50 needed; extending the bake (1 of 3)']);
    expect(checkOf(short, 'min_requests')).toMatchObject({ passed: false, canary: 49, stable: 500, threshold: 50 });
    expect(short.checks.slice(1).every((c) => c.passed === null)).toBe(true);

    expect(decideCanary({ canary: sketchOf(50), stable: sketchOf(500), extensions: 0 }).verdict).toBe('promote');
  });

  it('holds while extensions remain, then rolls back by default', () => {
    const canary = sketchOf(10);
    expect(decideCanary({ canary, extensions: 2 }).verdict).toBe('hold');
    const exhausted = decideCanary({ canary, extensions: 3 });
    expect(exhausted.verdict).toBe('rollback');
    expect(exhausted.reasons).toEqual([
      "canary served 10 requests, fewer than the 50 needed after 3 extensions; onInsufficientData is 'rollback'",
    ]);
  });

  it("promotes an unjudged canary once extensions run out when onInsufficientData is 'promote'", () => {
    const policy = { onInsufficientData: 'promote' as const, maxExtensions: 1 };
    expect(decideCanary({ canary: sketchOf(0), policy, extensions: 0 }).verdict).toBe('hold');
    expect(decideCanary({ canary: sketchOf(0), policy, extensions: 1 }).verdict).toBe('promote');
  });

  it('decides at once when maxExtensions is 0', () => {
    expect(decideCanary({ canary: sketchOf(10), policy: { maxExtensions: 0 }, extensions: 0 }).verdict).toBe('rollback');
  });

  it('rolls back a short canary without waiting when its errors already exceed what minRequests could absorb', () => {
    const failing = decideCanary({ canary: sketchOf(10, { errors: 5 }), stable: sketchOf(500), extensions: 0 });
    expect(failing.verdict).toBe('rollback');
    expect(checkOf(failing, 'error_rate')).toMatchObject({ passed: false, canary: 0.5, threshold: 0.01 });
    expect(failing.reasons[0]).toContain('failed 5 of its 10 requests');

    // One error in 10 with minRequests 100 is 1% at best: exactly the ceiling, so it may still pass.
    const policy = { minRequests: 100 };
    expect(decideCanary({ canary: sketchOf(10, { errors: 1 }), policy, extensions: 0 }).verdict).toBe('hold');
    expect(decideCanary({ canary: sketchOf(10, { errors: 2 }), policy, extensions: 0 }).verdict).toBe('rollback');
  });

  it("does not let onInsufficientData 'promote' through a canary already failing", () => {
    const decision = decideCanary({ canary: sketchOf(10, { errors: 5 }), policy: { onInsufficientData: 'promote' }, extensions: 3 });
    expect(decision.verdict).toBe('rollback');
  });
});

describe('error rate', () => {
  it('allows up to the absolute ceiling, exactly at it included', () => {
    const stable = sketchOf(1000);
    expect(decideCanary({ canary: sketchOf(100, { errors: 1 }), stable, extensions: 0 }).verdict).toBe('promote');
    const over = decideCanary({ canary: sketchOf(100, { errors: 2 }), stable, extensions: 0 });
    expect(over.verdict).toBe('rollback');
    expect(checkOf(over, 'error_rate')).toMatchObject({ passed: false, canary: 0.02, stable: 0, threshold: 0.01 });
  });

  it("explains a rollback with the canary's rate, the limit and stable's", () => {
    const decision = decideCanary({ canary: sketchOf(50, { errors: 6 }), stable: sketchOf(1000), extensions: 0 });
    expect(decision.verdict).toBe('rollback');
    expect(decision.reasons).toEqual([
      "canary error rate 12.0% (6 of 50) exceeds 1.0%, the most allowed beside stable's 0.0% " +
        "(the largest of 1.0%, stable + 0.50 points and stable × 2); 12.0 points above stable's",
    ]);
  });

  it("allows stable's rate plus maxErrorRateIncrease points", () => {
    // Rates in 64ths are exact in binary, so the boundary is exactly the boundary.
    const policy = { minRequests: 64, maxErrorRate: 0, maxErrorRateIncrease: 0.125, maxErrorRateRatio: 1 };
    const stable = sketchOf(64, { errors: 8 });
    const at = decideCanary({ canary: sketchOf(64, { errors: 16 }), stable, policy, extensions: 0 });
    expect(at.verdict).toBe('promote');
    expect(checkOf(at, 'error_rate')).toMatchObject({ passed: true, canary: 0.25, stable: 0.125, threshold: 0.25 });
    expect(decideCanary({ canary: sketchOf(64, { errors: 17 }), stable, policy, extensions: 0 }).verdict).toBe('rollback');
  });

  it("allows stable's rate times maxErrorRateRatio, which is what counts when stable's rate is high", () => {
    const stable = sketchOf(100, { errors: 10 });
    // 15% is 5 points over stable's 10%, far more than 0.5, yet within twice stable's rate.
    expect(decideCanary({ canary: sketchOf(100, { errors: 15 }), stable, extensions: 0 }).verdict).toBe('promote');
    const at = decideCanary({ canary: sketchOf(100, { errors: 20 }), stable, extensions: 0 });
    expect(checkOf(at, 'error_rate')).toMatchObject({ passed: true, canary: 0.2, threshold: 0.2 });
    const over = decideCanary({ canary: sketchOf(100, { errors: 21 }), stable, extensions: 0 });
    expect(over.verdict).toBe('rollback');
    expect(over.reasons[0]).toContain("11.0 points above stable's, 2.1× it");
  });

  it('does not roll back a canary that fails no more often than a failing stable', () => {
    const decision = decideCanary({ canary: sketchOf(100, { errors: 5 }), stable: sketchOf(100, { errors: 5 }), extensions: 0 });
    expect(checkOf(decision, 'error_rate').passed).toBe(true);
  });

  it('holds the canary to the ceiling alone when stable has too few requests to compare', () => {
    const decision = decideCanary({ canary: sketchOf(100, { errors: 5 }), stable: sketchOf(10, { errors: 5 }), extensions: 0 });
    expect(decision.verdict).toBe('rollback');
    const errorRate = checkOf(decision, 'error_rate');
    expect(errorRate).toMatchObject({ passed: false, canary: 0.05, threshold: 0.01 });
    expect(errorRate.stable).toBeUndefined();
    expect(errorRate.message).toContain("stable's 10 requests are too few to compare");
  });
});

describe('latency p95', () => {
  // Constant latencies make the sketch's p95 exact (it is clamped to the exact min and max).
  const judge = (canaryMs: number, stableMs: number) =>
    decideCanary({ canary: sketchOf(100, { latencyMs: canaryMs }), stable: sketchOf(100, { latencyMs: stableMs }), extensions: 0 });

  it("allows stable's p95 times maxLatencyRatio, exactly at it included", () => {
    expect(checkOf(judge(30, 20), 'latency_p95')).toMatchObject({ passed: true, canary: 30, stable: 20, threshold: 30 });
    const over = judge(30.5, 20);
    expect(over.verdict).toBe('rollback');
    expect(over.reasons).toEqual(["canary p95 latency 30.5 ms exceeds 30.0 ms (stable's 20.0 ms × 1.5, and at least + 5.0 ms) by 0.5 ms"]);
  });

  it('never rolls back for less than minLatencyDeltaMs, however large the ratio', () => {
    expect(judge(0.6, 0.2).verdict).toBe('promote');
    expect(checkOf(judge(7, 2), 'latency_p95')).toMatchObject({ passed: true, threshold: 7 });
    expect(judge(7.5, 2).verdict).toBe('rollback');
  });

  it('follows the policy', () => {
    const decision = decideCanary({
      canary: sketchOf(100, { latencyMs: 22 }),
      stable: sketchOf(100, { latencyMs: 20 }),
      policy: { maxLatencyRatio: 1, minLatencyDeltaMs: 1 },
      extensions: 0,
    });
    expect(checkOf(decision, 'latency_p95')).toMatchObject({ passed: false, threshold: 21 });
  });

  it('uses the 95th percentile, not the worst request', () => {
    // Four slow requests in 100 sit above the p95 rank.
    const canary = sketchOf(100, { latencyMs: (i) => (i < 4 ? 1000 : 10) });
    expect(decideCanary({ canary, stable: sketchOf(100), extensions: 0 }).verdict).toBe('promote');
    const slower = sketchOf(100, { latencyMs: (i) => (i < 10 ? 1000 : 10) });
    expect(decideCanary({ canary: slower, stable: sketchOf(100), extensions: 0 }).verdict).toBe('rollback');
  });

  it('is not judged when stable has too few latencies', () => {
    const decision = decideCanary({ canary: sketchOf(100, { latencyMs: 100 }), stable: sketchOf(20, { latencyMs: 1 }), extensions: 0 });
    expect(checkOf(decision, 'latency_p95')).toMatchObject({ passed: null, canary: 100 });
    expect(decision.verdict).toBe('promote');
  });
});

describe('prediction divergence', () => {
  const stable = sketchOf(100); // classes half and half
  const skewed = sketchOf(100, { predicted: (i) => (i % 5 === 0 ? 1 : 0) }); // 80 / 20
  const distance = jensenShannonDistance([50, 50], [80, 20], { base: Math.E });

  it('rolls back a canary whose class mix diverges from stable beyond the default 0.1', () => {
    expect(distance).toBeGreaterThan(0.1);
    const decision = decideCanary({ canary: skewed, stable, extensions: 0 });
    expect(decision.verdict).toBe('rollback');
    expect(checkOf(decision, 'prediction_divergence')).toMatchObject({ passed: false, canary: distance, threshold: 0.1 });
    expect(decision.reasons).toHaveLength(1);
    expect(decision.reasons[0]).toMatch(
      new RegExp(`^Jensen-Shannon distance ${distance.toFixed(3)} between the canary's and stable's predicted-class mixes exceeds 0\\.1 \\(chi-square p `),
    );
  });

  it('does not roll back on a distance that a small sample reaches by chance', () => {
    // 20 canary predictions, 13 / 7 against stable's 50 / 50: JS distance ~0.11, but chi-square p ~0.18.
    const stableEven = sketchOf(200, { predicted: (i) => i % 2 });
    const chance = sketchOf(20, { predicted: (i) => (i < 13 ? 0 : 1) });
    const decision = decideCanary({ canary: chance, stable: stableEven, policy: { minRequests: 20 }, extensions: 0 });
    const divergence = checkOf(decision, 'prediction_divergence');
    expect(divergence.canary).toBeGreaterThan(0.1);
    expect(divergence.passed).toBe(true);
    expect(divergence.message).toMatch(/not significant/);
  });

  it("counts stable's mix as the sample it is: a class stable happened not to predict is no proof", () => {
    // At a 50% step both sides are 50 requests. Stable predicted class 1 never, the canary 4 times:
    // taken as exact, stable's mix makes those 4 impossible (goodness of fit: p 0), but two samples of
    // 50 from a mix with about 4% of class 1 differ so often (homogeneity: p ~0.04, not below 0.01).
    const stableNone = sketchOf(50, { predicted: () => 0 });
    const canaryFew = sketchOf(50, { predicted: (i) => (i < 4 ? 1 : 0) });
    const decision = decideCanary({ canary: canaryFew, stable: stableNone, policy: { predictionDivergencePValue: 0.01 }, extensions: 0 });
    const divergence = checkOf(decision, 'prediction_divergence');
    expect(divergence.canary).toBeGreaterThan(0.1);
    expect(divergence).toMatchObject({ passed: true, message: expect.stringMatching(/not significant \(chi-square p 0\.04/) });
  });

  it('passes exactly at maxPredictionDivergence and fails just above it', () => {
    expect(decideCanary({ canary: skewed, stable, policy: { maxPredictionDivergence: distance }, extensions: 0 }).verdict).toBe('promote');
    const tighter = { maxPredictionDivergence: distance * (1 - 1e-9) };
    expect(decideCanary({ canary: skewed, stable, policy: tighter, extensions: 0 }).verdict).toBe('rollback');
  });

  it('passes a small shift in the mix', () => {
    const slight = sketchOf(100, { predicted: (i) => (i < 55 ? 0 : 1) }); // 55 / 45
    expect(checkOf(decideCanary({ canary: slight, stable, extensions: 0 }), 'prediction_divergence').passed).toBe(true);
  });

  it('needs minRequests predictions on both sides', () => {
    const fewStable = sketchOf(49, { predicted: () => 1 });
    expect(checkOf(decideCanary({ canary: skewed, stable: fewStable, extensions: 0 }), 'prediction_divergence').passed).toBeNull();
    // 60 requests, 15 of them failed without a prediction: 45 predictions.
    const failing = sketchOf(60, { errors: 15, predicted: () => 0 });
    const decision = decideCanary({ canary: failing, stable, policy: { maxErrorRate: 1 }, extensions: 0 });
    expect(checkOf(decision, 'prediction_divergence')).toMatchObject({ passed: null, message: 'not judged: the canary has 45 predictions, fewer than the 50 needed' });
  });

  it('is not judged when the versions predict different numbers of classes', () => {
    const other = sketchOf(100, { profile: threeClassProfile, predicted: () => 2 });
    const decision = decideCanary({ canary: other, stable, extensions: 0 });
    expect(checkOf(decision, 'prediction_divergence').passed).toBeNull();
    expect(decision.verdict).toBe('promote');
  });
});

describe('without a stable version', () => {
  it('judges the error rate against the ceiling alone and leaves the comparisons unevaluated', () => {
    const healthy = decideCanary({ canary: sketchOf(100, { latencyMs: 5000, predicted: () => 0 }), extensions: 0 });
    expect(healthy.verdict).toBe('promote');
    expect(healthy.checks.map((c) => [c.name, c.passed])).toEqual([
      ['min_requests', true],
      ['error_rate', true],
      ['latency_p95', null],
      ['prediction_divergence', null],
      ['drift', null],
    ]);
    expect(checkOf(healthy, 'latency_p95')).toMatchObject({ canary: 5000, message: 'not judged: no stable version to compare with' });

    const failing = decideCanary({ canary: sketchOf(100, { errors: 2 }), extensions: 0 });
    expect(failing.verdict).toBe('rollback');
    expect(failing.reasons).toEqual(['canary error rate 2.0% (2 of 100) exceeds 1.0%, the 1.0% ceiling']);
  });
});

describe('drift against the reference profile', () => {
  // Every value in the lowest bin, where the reference holds a quarter: PSI far above 0.1.
  const drifting = (n: number) => sketchOf(n, { x: () => 0 });

  it('is off by default, since drift in the inputs reaches stable too', () => {
    const decision = decideCanary({ canary: drifting(200), stable: sketchOf(200), canaryProfile: profile, extensions: 0 });
    expect(checkOf(decision, 'drift')).toMatchObject({ passed: null, message: 'not judged: rollbackOnDrift is off' });
    expect(decision.verdict).toBe('promote');
  });

  it('rolls back a drifting canary when turned on', () => {
    const policy = { rollbackOnDrift: true };
    const decision = decideCanary({ canary: drifting(200), stable: sketchOf(200), canaryProfile: profile, policy, extensions: 0 });
    expect(decision.verdict).toBe('rollback');
    expect(checkOf(decision, 'drift')).toMatchObject({ passed: false, canary: 1, threshold: 0.5 });

    const calm = decideCanary({ canary: sketchOf(200), stable: sketchOf(200), canaryProfile: profile, policy, extensions: 0 });
    expect(checkOf(calm, 'drift')).toMatchObject({ passed: true, canary: 0 });
    expect(calm.verdict).toBe('promote');
  });

  it("does not hold drift against the canary when stable's inputs drift from its own reference too", () => {
    const policy = { rollbackOnDrift: true };
    const both = decideCanary({ canary: drifting(200), stable: drifting(200), canaryProfile: profile, stableProfile: profile, policy, extensions: 0 });
    expect(checkOf(both, 'drift')).toMatchObject({ passed: true, canary: 1, stable: 1 });
    expect(both.verdict).toBe('promote');

    const onlyCanary = decideCanary({ canary: drifting(200), stable: sketchOf(200), canaryProfile: profile, stableProfile: profile, policy, extensions: 0 });
    expect(checkOf(onlyCanary, 'drift')).toMatchObject({ passed: false, canary: 1, stable: 0 });
    expect(onlyCanary.reasons[0]).toContain("while stable's did not");
  });

  it("is not judged without a profile or below the drift report's minSamples", () => {
    const policy = { rollbackOnDrift: true };
    expect(checkOf(decideCanary({ canary: drifting(200), policy, extensions: 0 }), 'drift').passed).toBeNull();
    const few = decideCanary({ canary: drifting(60), canaryProfile: profile, policy, extensions: 0 });
    expect(checkOf(few, 'drift').passed).toBeNull();
    expect(decideCanary({ canary: drifting(60), canaryProfile: profile, policy: { ...policy, drift: { minSamples: 50 } }, extensions: 0 }).verdict).toBe(
      'rollback',
    );
  });
});

describe('the policy', () => {
  it('has the documented defaults', () => {
    expect(canaryPolicySchema.parse({})).toEqual({
      minRequests: 50,
      maxExtensions: 3,
      onInsufficientData: 'rollback',
      maxErrorRate: 0.01,
      maxErrorRateIncrease: 0.005,
      maxErrorRateRatio: 2,
      maxLatencyRatio: 1.5,
      minLatencyDeltaMs: 5,
      maxPredictionDivergence: 0.1,
      predictionDivergencePValue: 0.05,
      rollbackOnDrift: false,
    });
  });

  it('refuses unknown keys and impossible limits', () => {
    const canary = sketchOf(100);
    expect(() => decideCanary({ canary, policy: { maxErrorRat: 0.05 } as never, extensions: 0 })).toThrow();
    expect(() => decideCanary({ canary, policy: { maxLatencyRatio: 0.5 }, extensions: 0 })).toThrow();
    expect(() => decideCanary({ canary, policy: { maxErrorRate: Number.POSITIVE_INFINITY }, extensions: 0 })).toThrow();
    expect(() => decideCanary({ canary, extensions: -1 })).toThrow(RangeError);
    expect(() => decideCanary({ canary, extensions: 0.5 })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { datasetSpecSchema } from '../data/dataset-spec';
import { computeDrift, driftPolicySchema, type ColumnDrift, type DriftPolicyInput, type DriftReport } from './drift-report';
import { buildReferenceProfile, histogram } from './reference-profile';
import { decideRetrain, retrainPolicySchema, type RetrainPolicyInput } from './retrain-trigger';
import { mulberry32 } from '../statistics/seeded-random';

const now = '2025-06-01T12:00:00.000Z';
const hoursBefore = (h: number) => new Date(Date.parse(now) - h * 3600_000).toISOString();

function column(name: string, drifted: boolean, sampleSize: number, insufficientData = false): ColumnDrift {
  return {
    name,
    kind: 'numeric',
    method: 'psi',
    sampleSize,
    insufficientData,
    statistics: insufficientData ? null : { psi: drifted ? 0.3 : 0.01, js: 0 },
    score: insufficientData ? null : drifted ? 0.3 : 0.01,
    threshold: 0.1,
    drifted,
    severity: drifted ? 'severe' : 'none',
  };
}

/** A report as computeDrift shapes it, with `drifted` of `features` features drifted. */
function report({
  features = 10,
  drifted = 0,
  sampleSize = 5000,
  predictionDrifted = false,
  policy = {},
}: { features?: number; drifted?: number; sampleSize?: number; predictionDrifted?: boolean; policy?: DriftPolicyInput } = {}): DriftReport {
  const parsed = driftPolicySchema.parse(policy);
  const columns = Array.from({ length: features }, (_, i) => column(`f${i}`, i < drifted, sampleSize));
  const share = features === 0 ? 0 : drifted / features;
  return {
    sampleSize,
    insufficientData: sampleSize < parsed.minSamples,
    features: columns,
    prediction: { ...column('prediction', predictionDrifted, sampleSize), kind: 'categorical', method: 'chi2' },
    evaluatedFeatures: features,
    driftedFeatures: drifted,
    driftShare: share,
    datasetDrift: features > 0 && share >= parsed.driftShare,
    policy: parsed,
  };
}

const decide = (r: DriftReport, policy: RetrainPolicyInput = {}, lastTriggeredAt?: string | null) =>
  decideRetrain({ report: r, policy, lastTriggeredAt, now });

describe('retrainPolicySchema', () => {
  it('defaults to the drift policy defaults, 1000 samples and a 6 h cooldown', () => {
    const p = retrainPolicySchema.parse({});
    expect(p).toMatchObject({ enabled: true, minSamples: 1000, cooldown: 21600, onPredictionDrift: false });
    expect(p.drift).toEqual(driftPolicySchema.parse({}));
    expect(p.driftShare).toBeUndefined();
  });

  it('takes the cooldown as seconds or a duration string', () => {
    expect(retrainPolicySchema.parse({ cooldown: '30m' }).cooldown).toBe(1800);
    expect(retrainPolicySchema.parse({ cooldown: 90 }).cooldown).toBe(90);
  });

  it('refuses a bad cooldown, share or unknown key, naming it', () => {
    for (const bad of [{ cooldown: 'soon' }, { cooldown: 0 }, { driftShare: 1.5 }, { minSample: 5 }, { drift: { psiTreshold: 0.2 } }]) {
      const result = retrainPolicySchema.safeParse(bad);
      expect(result.success, JSON.stringify(bad)).toBe(false);
    }
    expect(retrainPolicySchema.safeParse({ cooldown: 'soon' }).error!.issues[0]!.path).toEqual(['cooldown']);
  });
});

describe('decideRetrain', () => {
  it('triggers on dataset drift outside any cooldown and names the drifted features', () => {
    const d = decide(report({ drifted: 6 }));
    expect(d).toMatchObject({ trigger: true, reason: 'drift', driftShare: 0.6, driftShareThreshold: 0.5 });
    expect(d.driftedFeatures).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
  });

  it('says no_drift when nothing drifted', () => {
    expect(decide(report({ drifted: 0 }))).toMatchObject({ trigger: false, reason: 'no_drift' });
  });

  it('says below_share when some features drifted but fewer than the share', () => {
    const d = decide(report({ drifted: 4 }));
    expect(d).toMatchObject({ trigger: false, reason: 'below_share', driftShare: 0.4 });
    expect(d.message).toContain('4 of 10');
  });

  it('triggers at exactly the share (>=, as the drift report compares)', () => {
    expect(decide(report({ drifted: 5 })).trigger).toBe(true);
    expect(decide(report({ drifted: 3 }), { driftShare: 0.3 }).trigger).toBe(true);
  });

  it('uses its own share over the drift policy one, in both directions', () => {
    expect(decide(report({ drifted: 2 }), { driftShare: 0.2 })).toMatchObject({ trigger: true, driftShareThreshold: 0.2 });
    expect(decide(report({ drifted: 6 }), { driftShare: 0.8 })).toMatchObject({ trigger: false, reason: 'below_share' });
  });

  it('falls back to the drift policy share when it has none of its own', () => {
    const policy = { drift: { driftShare: 0.25 } };
    expect(decide(report({ drifted: 3, policy: policy.drift }), policy)).toMatchObject({ trigger: true, driftShareThreshold: 0.25 });
  });

  it('says insufficient_samples below the minimum, and triggers at exactly the minimum', () => {
    expect(decide(report({ drifted: 8, sampleSize: 999 }))).toMatchObject({ trigger: false, reason: 'insufficient_samples', sampleSize: 999 });
    expect(decide(report({ drifted: 8, sampleSize: 1000 })).trigger).toBe(true);
    expect(decide(report({ drifted: 8, sampleSize: 150 }), { minSamples: 100 }).trigger).toBe(true);
  });

  it('checks samples before drift: a tiny window says insufficient_samples even with no drift', () => {
    expect(decide(report({ drifted: 0, sampleSize: 10 })).reason).toBe('insufficient_samples');
  });

  it('holds a trigger inside the cooldown and gives the time it ends', () => {
    const d = decide(report({ drifted: 8 }), { cooldown: '6h' }, hoursBefore(2));
    expect(d).toMatchObject({ trigger: false, reason: 'cooldown', cooldownUntil: '2025-06-01T16:00:00.000Z' });
  });

  it('triggers once the cooldown has passed, at exactly its end', () => {
    expect(decide(report({ drifted: 8 }), { cooldown: '6h' }, hoursBefore(6)).trigger).toBe(true);
    expect(decide(report({ drifted: 8 }), { cooldown: '6h' }, hoursBefore(7)).trigger).toBe(true);
    const justInside = new Date(Date.parse(now) - 6 * 3600_000 + 1).toISOString();
    expect(decide(report({ drifted: 8 }), { cooldown: '6h' }, justInside).reason).toBe('cooldown');
  });

  it('treats a last trigger in the future (clock skew) as inside the cooldown', () => {
    expect(decide(report({ drifted: 8 }), {}, hoursBefore(-1)).reason).toBe('cooldown');
  });

  it('treats a null or absent last trigger as never triggered', () => {
    expect(decide(report({ drifted: 8 }), {}, null).trigger).toBe(true);
    expect(decide(report({ drifted: 8 }), {}, undefined).trigger).toBe(true);
  });

  it('reports no_drift rather than cooldown for a quiet window in the cooldown', () => {
    expect(decide(report({ drifted: 0 }), {}, hoursBefore(1)).reason).toBe('no_drift');
  });

  it('accepts Date and epoch milliseconds for both times', () => {
    const d = decideRetrain({ report: report({ drifted: 8 }), lastTriggeredAt: Date.parse(hoursBefore(1)), now: new Date(now) });
    expect(d.reason).toBe('cooldown');
  });

  it('refuses an invalid time', () => {
    expect(() => decideRetrain({ report: report({ drifted: 8 }), lastTriggeredAt: 'yesterday', now })).toThrow(/lastTriggeredAt/);
  });

  it('says disabled when the policy is off, before anything else', () => {
    expect(decide(report({ drifted: 8, sampleSize: 1 }), { enabled: false })).toMatchObject({ trigger: false, reason: 'disabled' });
  });

  it('ignores prediction drift unless the policy retrains on it', () => {
    const r = report({ drifted: 1, predictionDrifted: true });
    const ignored = decide(r);
    expect(ignored).toMatchObject({ trigger: false, reason: 'below_share', predictionDrift: true });
    expect(ignored.message).toContain('prediction mix drifted');
    expect(decide(r, { onPredictionDrift: true })).toMatchObject({ trigger: true, reason: 'prediction_drift' });
    expect(decide(report({ predictionDrifted: true }), {}).reason).toBe('below_share');
    expect(decide(report({ predictionDrifted: true }), { onPredictionDrift: true }, hoursBefore(1)).reason).toBe('cooldown');
  });

  it('does not trigger when no feature could be evaluated, even with a zero share threshold', () => {
    const r = report({ features: 0 });
    expect(decide(r, { driftShare: 0 })).toMatchObject({ trigger: false, reason: 'no_drift' });
  });

  it('refuses a report computed with other drift settings than the policy names', () => {
    expect(() => decide(report({ drifted: 8 }), { drift: { psiThreshold: 0.2 } })).toThrow(/other drift settings/);
  });

  it('accepts a report that went through JSON (stored or sent by the edge)', () => {
    const r = JSON.parse(JSON.stringify(report({ drifted: 8 }))) as DriftReport;
    expect(decide(r).trigger).toBe(true);
  });
});

describe('decideRetrain on computeDrift reports', () => {
  const spec = datasetSpecSchema.parse({
    features: [
      { name: 'x', type: 'float' },
      { name: 'y', type: 'float' },
    ],
    target: { name: 't', classes: ['a', 'b'], positiveClass: 'b' },
  });
  const draw = (seed: number, n: number, shift: number) => {
    const random = mulberry32(seed);
    return Array.from({ length: n }, () => [random() + shift, random()]);
  };
  const training = draw(1, 5000, 0);
  const profile = buildReferenceProfile({ spec, features: training, predictions: training.map(() => [0.5, 0.5]) });
  const current = (rows: number[][]) => ({
    features: Object.fromEntries(profile.features.map((f, i) => [f.name, f.kind === 'numeric' ? histogram(f.edges, rows.map((r) => r[i]!)) : []])),
  });

  it('starts nothing for traffic drawn from the reference, and retrains when one of two features shifts', () => {
    const policy: RetrainPolicyInput = { drift: { driftShare: 0.5 }, minSamples: 500 };
    const quiet = computeDrift({ profile, current: current(draw(2, 2000, 0)), policy: policy.drift });
    expect(decideRetrain({ report: quiet, policy, now }).reason).toBe('no_drift');
    const shifted = computeDrift({ profile, current: current(draw(3, 2000, 0.5)), policy: policy.drift });
    expect(decideRetrain({ report: shifted, policy, now })).toMatchObject({ trigger: true, reason: 'drift', driftedFeatures: ['x'] });
  });
});

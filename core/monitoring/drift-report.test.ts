import { describe, expect, it } from 'vitest';
import { datasetSpecSchema } from '../data/dataset-spec';
import { computeDrift, driftPolicySchema, type DriftCurrent } from './drift-report';
import { chiSquare, jensenShannonDistance, ksOnBinnedCdf, psi, wassersteinNormed } from '../statistics/drift-statistics';
import { buildReferenceProfile, histogram, type NumericFeatureProfile, type ReferenceProfile } from './reference-profile';
import { mulberry32, type Random } from '../statistics/seeded-random';

const spec = datasetSpecSchema.parse({
  features: [
    { name: 'income', type: 'float' },
    { name: 'age', type: 'integer' },
    { name: 'channel', type: 'categorical', categories: ['web', 'store', 'phone'] },
  ],
  target: { name: 'churn', classes: ['no', 'yes'], positiveClass: 'yes' },
});

function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

type Population = { incomeMean: number; channelShares: readonly number[] };
const referencePopulation: Population = { incomeMean: 50, channelShares: [0.5, 0.3, 0.2] };

/** Rows in spec order: income ~ N(mean, 10), age uniform on 18..80, channel by the given shares. */
function rows(random: Random, n: number, population: Population): number[][] {
  return Array.from({ length: n }, () => {
    const u = random();
    const channel = u < population.channelShares[0]! ? 0 : u < population.channelShares[0]! + population.channelShares[1]! ? 1 : 2;
    return [population.incomeMean + 10 * normal(random), 18 + Math.floor(random() * 63), channel];
  });
}

/** A toy model: churn probability rises with income. */
const predict = (row: readonly number[]): number[] => {
  const p = 1 / (1 + Math.exp(-(row[0]! - 55) / 5));
  return [1 - p, p];
};

const trainingRows = rows(mulberry32(1), 5000, referencePopulation);
const profile = buildReferenceProfile({ spec, features: trainingRows, predictions: trainingRows.map(predict) });

/** What the edge's sketches hold for these rows: counts on the profile's bins and predicted classes. */
function currentOf(sample: readonly (readonly number[])[]): DriftCurrent {
  const features: Record<string, number[]> = {};
  profile.features.forEach((feature, f) => {
    const column = sample.map((row) => row[f]!);
    features[feature.name] =
      feature.kind === 'numeric' ? histogram(feature.edges, column) : feature.categories.map((_, c) => column.filter((v) => v === c).length);
  });
  const prediction = [0, 0];
  for (const row of sample) prediction[predict(row)[1]! > 0.5 ? 1 : 0]!++;
  return { features, prediction };
}

const byName = (report: ReturnType<typeof computeDrift>, name: string) => report.features.find((f) => f.name === name)!;

describe('computeDrift', () => {
  it('finds no drift in a fresh sample from the reference population', () => {
    const report = computeDrift({ profile, current: currentOf(rows(mulberry32(2), 2000, referencePopulation)) });
    expect(report.insufficientData).toBe(false);
    expect(report.sampleSize).toBe(2000);
    expect(report.evaluatedFeatures).toBe(3);
    expect(report.driftedFeatures).toBe(0);
    expect(report.datasetDrift).toBe(false);
    for (const feature of [...report.features, report.prediction!]) {
      expect(feature.drifted).toBe(false);
      expect(feature.severity).toBe('none');
      expect(feature.statistics!.psi).toBeLessThan(0.02);
      expect(feature.statistics!.js).toBeLessThan(0.05);
    }
    for (const name of ['income', 'age']) {
      const { statistics } = byName(report, name);
      expect(statistics!.wasserstein).toBeLessThan(0.05);
      expect(statistics!.ksPValue).toBeGreaterThan(0.05);
    }
    expect(byName(report, 'channel').statistics!.chi2PValue).toBeGreaterThan(0.05);
    expect(report.prediction!.statistics!.chi2PValue).toBeGreaterThan(0.05);
  });

  it('flags shifted income and a changed channel mix, and the dataset with them', () => {
    const shifted = rows(mulberry32(3), 2000, { incomeMean: 60, channelShares: [0.3, 0.3, 0.4] });
    const report = computeDrift({ profile, current: currentOf(shifted) });
    const income = byName(report, 'income');
    expect(income).toMatchObject({ kind: 'numeric', method: 'psi', drifted: true, severity: 'severe', threshold: 0.1 });
    expect(income.statistics!.wasserstein).toBeGreaterThan(0.9);
    expect(income.statistics!.ksPValue).toBeLessThan(1e-10);
    expect(byName(report, 'channel')).toMatchObject({ kind: 'categorical', method: 'chi2', drifted: true, threshold: 0.05 });
    expect(byName(report, 'age').drifted).toBe(false);
    expect(report.driftedFeatures).toBe(2);
    expect(report.driftShare).toBeCloseTo(2 / 3, 12);
    expect(report.datasetDrift).toBe(true);
    // Higher incomes mean more predicted churners.
    expect(report.prediction!.drifted).toBe(true);
  });

  it('reports the statistics of drift-statistics on the profile bins', () => {
    const current = currentOf(rows(mulberry32(4), 700, { incomeMean: 53, channelShares: [0.45, 0.35, 0.2] }));
    const report = computeDrift({ profile, current });
    const income = profile.features[0] as NumericFeatureProfile;
    const counts = current.features.income!;
    expect(byName(report, 'income').statistics).toEqual({
      psi: psi(income.counts, counts),
      js: jensenShannonDistance(income.counts, counts, { base: Math.E }),
      wasserstein: wassersteinNormed(income.counts, counts, income),
      ks: ksOnBinnedCdf(income.counts, counts).statistic,
      ksPValue: ksOnBinnedCdf(income.counts, counts).pValue,
    });
    const channel = current.features.channel!;
    expect(byName(report, 'channel').statistics).toEqual({
      psi: psi(profile.features[2]!.counts, channel),
      js: jensenShannonDistance(profile.features[2]!.counts, channel, { base: Math.E }),
      chi2: chiSquare(profile.features[2]!.counts, channel).statistic,
      chi2PValue: chiSquare(profile.features[2]!.counts, channel).pValue,
    });
  });

  it('gives no verdicts below minSamples', () => {
    const few = computeDrift({ profile, current: currentOf(rows(mulberry32(5), 99, { incomeMean: 90, channelShares: [0, 0, 1] })) });
    expect(few.insufficientData).toBe(true);
    expect(few.sampleSize).toBe(99);
    expect(few.evaluatedFeatures).toBe(0);
    expect(few.driftShare).toBe(0);
    expect(few.datasetDrift).toBe(false);
    for (const feature of [...few.features, few.prediction!]) {
      expect(feature).toMatchObject({ insufficientData: true, statistics: null, score: null, drifted: false, severity: 'none' });
    }
    const enough = computeDrift({ profile, current: currentOf(rows(mulberry32(5), 100, { incomeMean: 90, channelShares: [0, 0, 1] })) });
    expect(enough.insufficientData).toBe(false);
    expect(enough.datasetDrift).toBe(true);
  });

  it('leaves a mostly-null feature out of the share while the rest are judged', () => {
    const current = currentOf(rows(mulberry32(6), 500, { incomeMean: 70, channelShares: [0.5, 0.3, 0.2] }));
    const sparse = { ...current, features: { ...current.features, age: [1, 2, 3, 1, 2, 3, 1, 2, 3, 1].slice(0, profile.features[1]!.counts.length) } };
    const report = computeDrift({ profile, current: sparse });
    expect(byName(report, 'age').insufficientData).toBe(true);
    expect(report.evaluatedFeatures).toBe(2);
    expect(report.driftedFeatures).toBe(1);
    expect(report.driftShare).toBe(0.5);
    expect(report.datasetDrift).toBe(true);
    expect(computeDrift({ profile, current: sparse, policy: { driftShare: 0.51 } }).datasetDrift).toBe(false);
  });

  it('lets the policy pick the deciding method per kind', () => {
    const current = currentOf(rows(mulberry32(7), 2000, { incomeMean: 60, channelShares: [0.3, 0.3, 0.4] }));
    for (const numericMethod of ['js', 'wasserstein', 'ks'] as const) {
      const income = byName(computeDrift({ profile, current, policy: { numericMethod } }), 'income');
      expect(income).toMatchObject({ method: numericMethod, drifted: true, severity: 'severe' });
    }
    for (const categoricalMethod of ['psi', 'js'] as const) {
      const channel = byName(computeDrift({ profile, current, policy: { categoricalMethod } }), 'channel');
      expect(channel.method).toBe(categoricalMethod);
      expect(channel.score).toBe(categoricalMethod === 'psi' ? channel.statistics!.psi : channel.statistics!.js);
    }
  });
});

describe('thresholds', () => {
  // A two-feature profile built by hand, so each statistic can be put exactly on its threshold.
  const handmade: ReferenceProfile = {
    version: 1,
    rowCount: 400,
    features: [
      { name: 'x', kind: 'numeric', nulls: 0, edges: [1, 2, 3], counts: [100, 100, 100, 100], min: 0, max: 4, mean: 2, std: 1.1 },
      { name: 'c', kind: 'categorical', nulls: 0, categories: ['a', 'b', 'c'], counts: [200, 120, 80] },
    ],
    prediction: { classes: ['no', 'yes'], counts: [300, 100], meanProbabilities: [0.7, 0.3] },
  };
  const current: DriftCurrent = { features: { x: [70, 90, 110, 130], c: [180, 140, 80] }, prediction: [280, 120] };
  const x = [70, 90, 110, 130];
  const c = [180, 140, 80];

  it('drifts at exactly the threshold for distances, as Evidently (>=)', () => {
    const value = psi([100, 100, 100, 100], x);
    const at = computeDrift({ profile: handmade, current, policy: { psiThreshold: value, psiSevere: 1 } });
    expect(byName(at, 'x')).toMatchObject({ drifted: true, severity: 'moderate', score: value });
    const above = computeDrift({ profile: handmade, current, policy: { psiThreshold: value * (1 + 1e-12), psiSevere: 1 } });
    expect(byName(above, 'x').drifted).toBe(false);

    const js = jensenShannonDistance([100, 100, 100, 100], x, { base: Math.E });
    expect(byName(computeDrift({ profile: handmade, current, policy: { numericMethod: 'js', jsThreshold: js } }), 'x').drifted).toBe(true);
    expect(byName(computeDrift({ profile: handmade, current, policy: { numericMethod: 'js', jsThreshold: js * (1 + 1e-12) } }), 'x').drifted).toBe(false);

    const w = wassersteinNormed([100, 100, 100, 100], x, handmade.features[0] as NumericFeatureProfile);
    expect(byName(computeDrift({ profile: handmade, current, policy: { numericMethod: 'wasserstein', wassersteinThreshold: w } }), 'x').drifted).toBe(true);
    expect(
      byName(computeDrift({ profile: handmade, current, policy: { numericMethod: 'wasserstein', wassersteinThreshold: w * (1 + 1e-12) } }), 'x').drifted,
    ).toBe(false);
  });

  it('calls a drifted column severe from PSI >= psiSevere', () => {
    const value = psi([100, 100, 100, 100], x);
    const severe = computeDrift({ profile: handmade, current, policy: { psiThreshold: value / 2, psiSevere: value } });
    expect(byName(severe, 'x').severity).toBe('severe');
    const moderate = computeDrift({ profile: handmade, current, policy: { psiThreshold: value / 2, psiSevere: value * (1 + 1e-12) } });
    expect(byName(moderate, 'x').severity).toBe('moderate');
  });

  it('drifts at p <= alpha for KS but only p < alpha for chi-square, as Evidently', () => {
    const ksP = ksOnBinnedCdf([100, 100, 100, 100], x).pValue;
    expect(byName(computeDrift({ profile: handmade, current, policy: { numericMethod: 'ks', ksPValue: ksP } }), 'x').drifted).toBe(true);
    expect(byName(computeDrift({ profile: handmade, current, policy: { numericMethod: 'ks', ksPValue: ksP * (1 - 1e-12) } }), 'x').drifted).toBe(false);

    const chiP = chiSquare([200, 120, 80], c).pValue;
    expect(byName(computeDrift({ profile: handmade, current, policy: { chi2PValue: chiP } }), 'c').drifted).toBe(false);
    expect(byName(computeDrift({ profile: handmade, current, policy: { chi2PValue: chiP * (1 + 1e-12) } }), 'c').drifted).toBe(true);
  });

  it('judges the prediction mix like a categorical feature, outside the drift share', () => {
    const report = computeDrift({ profile: handmade, current });
    expect(report.prediction).toMatchObject({ name: 'prediction', kind: 'categorical', method: 'chi2', sampleSize: 400 });
    expect(report.prediction!.score).toBe(chiSquare([300, 100], [280, 120]).pValue);
    expect(report.evaluatedFeatures).toBe(2);
    expect(computeDrift({ profile: handmade, current: { features: current.features } }).prediction).toBeNull();
  });

  it('refuses counts that do not fit the profile', () => {
    expect(() => computeDrift({ profile: handmade, current: { features: { x } } })).toThrow(/missing feature c/);
    expect(() => computeDrift({ profile: handmade, current: { features: { x: [1, 2, 3], c } } })).toThrow(/4 bins/);
    expect(() => computeDrift({ profile: handmade, current: { features: { x, c, z: [1] } } })).toThrow(/does not have/);
    expect(() => computeDrift({ profile: handmade, current: { features: { x, c }, prediction: [1, 2, 3] } })).toThrow(RangeError);
    expect(() => computeDrift({ profile: handmade, current: { features: { x: [1, -1, 2, 3], c } } })).toThrow(RangeError);
  });
});

describe('driftPolicySchema', () => {
  it("defaults to Evidently's thresholds", () => {
    expect(driftPolicySchema.parse({})).toEqual({
      numericMethod: 'psi',
      categoricalMethod: 'chi2',
      psiThreshold: 0.1,
      psiSevere: 0.25,
      psiEpsilon: 0.0001,
      jsThreshold: 0.1,
      jsBase: Math.E,
      wassersteinThreshold: 0.1,
      ksPValue: 0.05,
      chi2PValue: 0.05,
      driftShare: 0.5,
      minSamples: 100,
    });
  });

  it('refuses misspelt keys, a severe band below the threshold and impossible values', () => {
    expect(driftPolicySchema.safeParse({ psiTreshold: 0.2 }).success).toBe(false);
    expect(driftPolicySchema.safeParse({ psiThreshold: 0.3 }).success).toBe(false);
    expect(driftPolicySchema.safeParse({ minSamples: 0 }).success).toBe(false);
    expect(driftPolicySchema.safeParse({ ksPValue: 1 }).success).toBe(false);
    expect(driftPolicySchema.safeParse({ numericMethod: 'chi2' }).success).toBe(false);
    expect(driftPolicySchema.safeParse({ jsBase: 1 }).success).toBe(false);
  });
});

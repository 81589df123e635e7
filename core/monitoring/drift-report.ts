// Drift verdicts for one window of live traffic against a version's reference profile: a statistic
// per feature and for the prediction mix, and a dataset verdict from the share of drifted features.
import { z } from 'zod';
import { chiSquare, jensenShannonDistance, ksOnBinnedCdf, psi, wassersteinNormed } from '../statistics/drift-statistics';
import type { ReferenceProfile } from './reference-profile';

export const numericDriftMethods = ['psi', 'js', 'wasserstein', 'ks'] as const;
export const categoricalDriftMethods = ['chi2', 'psi', 'js'] as const;

/**
 * Thresholds default to Evidently's: PSI 0.1 (0.25 severe, the usual industry band), Jensen-Shannon
 * 0.1, normed Wasserstein 0.1, p-value 0.05 for KS and chi-square, dataset drift at half the
 * features. Unknown keys are refused so that a misspelt threshold fails loudly.
 */
export const driftPolicySchema = z
  .strictObject({
    /** The statistic that decides a numeric feature's verdict; the others are reported alongside. */
    numericMethod: z.enum(numericDriftMethods).default('psi'),
    /** The statistic that decides a categorical feature's verdict, and the prediction mix's. */
    categoricalMethod: z.enum(categoricalDriftMethods).default('chi2'),
    /** Drift when PSI >= this. */
    psiThreshold: z.number().positive().default(0.1),
    /** A drifted column is severe when its PSI >= this, whatever method decided it. */
    psiSevere: z.number().positive().default(0.25),
    /** Evidently's filler for empty bins in PSI. */
    psiEpsilon: z.number().positive().lt(1).default(0.0001),
    /** Drift when the Jensen-Shannon distance >= this. */
    jsThreshold: z.number().positive().default(0.1),
    /**
     * Logarithm base of the Jensen-Shannon distance. Evidently calls scipy with natural logs
     * (distance up to sqrt(ln 2) ~ 0.83), and its 0.1 threshold is meant on that scale; base 2
     * gives a distance in [0, 1] that is 1.2 times larger, so 0.1 would flag more.
     */
    jsBase: z.number().positive().refine((b) => b !== 1, { message: 'logarithm base cannot be 1' }).default(Math.E),
    /** Drift when Wasserstein distance / reference std >= this. */
    wassersteinThreshold: z.number().positive().default(0.1),
    /** Drift when the KS p-value <= this (Evidently's `ks` compares with <=). */
    ksPValue: z.number().gt(0).lt(1).default(0.05),
    /** Drift when the chi-square p-value < this (Evidently's `chisquare` compares with <). */
    chi2PValue: z.number().gt(0).lt(1).default(0.05),
    /** Dataset drift when drifted features / evaluated features >= this. */
    driftShare: z.number().min(0).max(1).default(0.5),
    /** Columns with fewer current values than this get no verdict. */
    minSamples: z.number().int().min(1).default(100),
  })
  .refine((p) => p.psiSevere >= p.psiThreshold, { message: 'psiSevere must be at least psiThreshold', path: ['psiSevere'] });

export type DriftPolicy = z.infer<typeof driftPolicySchema>;
export type DriftPolicyInput = z.input<typeof driftPolicySchema>;
export type DriftMethod = (typeof numericDriftMethods)[number] | (typeof categoricalDriftMethods)[number];
export type DriftSeverity = 'none' | 'moderate' | 'severe';

export type DriftStatistics = {
  psi: number;
  /** Jensen-Shannon distance in the policy's jsBase. */
  js: number;
  /** Numeric only. */
  wasserstein?: number;
  ks?: number;
  ksPValue?: number;
  /** Categorical and prediction only; Infinity (null once in JSON) when a category new to the reference shows up. */
  chi2?: number;
  chi2PValue?: number;
};

export type ColumnDrift = {
  name: string;
  kind: 'numeric' | 'categorical';
  /** The method that decides `drifted`. */
  method: DriftMethod;
  /** Current values counted in the column's bins (nulls excluded). */
  sampleSize: number;
  /** Fewer than minSamples current values (or an empty reference): no statistics and no verdict. */
  insufficientData: boolean;
  statistics: DriftStatistics | null;
  /** The deciding method's value (a p-value for ks and chi2); null without a verdict. */
  score: number | null;
  /** What the score was held against. */
  threshold: number;
  drifted: boolean;
  /** 'none' unless drifted; then 'severe' when PSI >= psiSevere, else 'moderate'. */
  severity: DriftSeverity;
};

export type DriftCurrent = {
  /** Per profile feature, current counts on the profile's bins (numeric) or categories (categorical). */
  features: Readonly<Record<string, readonly number[]>>;
  /** Current counts per predicted class, in the profile's class order. */
  prediction?: readonly number[];
};

export type DriftReport = {
  /** The largest column sample in the window. */
  sampleSize: number;
  /** True when sampleSize < minSamples: no column got a verdict. */
  insufficientData: boolean;
  features: ColumnDrift[];
  /** Drift of the predicted-class mix; null when no prediction counts were given. Not part of driftShare. */
  prediction: ColumnDrift | null;
  evaluatedFeatures: number;
  driftedFeatures: number;
  /** driftedFeatures / evaluatedFeatures; 0 when none was evaluated. */
  driftShare: number;
  datasetDrift: boolean;
  policy: DriftPolicy;
};

type Column =
  | { name: string; kind: 'numeric'; reference: readonly number[]; edges: readonly number[]; min: number; max: number; std: number }
  | { name: string; kind: 'categorical'; reference: readonly number[] };

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function thresholdOf(method: DriftMethod, policy: DriftPolicy): number {
  switch (method) {
    case 'psi':
      return policy.psiThreshold;
    case 'js':
      return policy.jsThreshold;
    case 'wasserstein':
      return policy.wassersteinThreshold;
    case 'ks':
      return policy.ksPValue;
    case 'chi2':
      return policy.chi2PValue;
  }
}

/** Evidently's comparisons: distances drift at >= threshold, KS at p <= alpha, chi-square at p < alpha. */
function verdict(method: DriftMethod, statistics: DriftStatistics, threshold: number): { score: number; drifted: boolean } {
  switch (method) {
    case 'psi':
      return { score: statistics.psi, drifted: statistics.psi >= threshold };
    case 'js':
      return { score: statistics.js, drifted: statistics.js >= threshold };
    case 'wasserstein':
      return { score: statistics.wasserstein!, drifted: statistics.wasserstein! >= threshold };
    case 'ks':
      return { score: statistics.ksPValue!, drifted: statistics.ksPValue! <= threshold };
    case 'chi2':
      return { score: statistics.chi2PValue!, drifted: statistics.chi2PValue! < threshold };
  }
}

function columnDrift(column: Column, current: readonly number[], policy: DriftPolicy): ColumnDrift {
  const method = column.kind === 'numeric' ? policy.numericMethod : policy.categoricalMethod;
  const threshold = thresholdOf(method, policy);
  const sampleSize = sum(current);
  const base = { name: column.name, kind: column.kind, method, sampleSize, threshold };
  if (sampleSize < policy.minSamples || sum(column.reference) === 0) {
    return { ...base, insufficientData: true, statistics: null, score: null, drifted: false, severity: 'none' };
  }
  const statistics: DriftStatistics = {
    psi: psi(column.reference, current, { epsilon: policy.psiEpsilon }),
    js: jensenShannonDistance(column.reference, current, { base: policy.jsBase }),
  };
  if (column.kind === 'numeric') {
    statistics.wasserstein = wassersteinNormed(column.reference, current, column);
    const ks = ksOnBinnedCdf(column.reference, current);
    statistics.ks = ks.statistic;
    statistics.ksPValue = ks.pValue;
  } else {
    const chi2 = chiSquare(column.reference, current);
    statistics.chi2 = chi2.statistic;
    statistics.chi2PValue = chi2.pValue;
  }
  const { score, drifted } = verdict(method, statistics, threshold);
  const severity: DriftSeverity = !drifted ? 'none' : statistics.psi >= policy.psiSevere ? 'severe' : 'moderate';
  return { ...base, insufficientData: false, statistics, score, drifted, severity };
}

function checkCounts(name: string, counts: readonly number[] | undefined, bins: number): readonly number[] {
  if (counts === undefined) throw new RangeError(`current counts are missing feature ${name}`);
  if (counts.length !== bins) throw new RangeError(`feature ${name} has ${bins} bins in the profile, the current counts have ${counts.length}`);
  for (const c of counts) {
    if (!(Number.isInteger(c) && c >= 0)) throw new RangeError(`feature ${name}: counts must be non-negative integers, got ${c}`);
  }
  return counts;
}

/**
 * Compares current counts, on the reference profile's own bins, with the profile. Every profile
 * feature must be present and no other; `policy` is parsed here, so a partial one takes defaults.
 */
export function computeDrift({
  profile,
  current,
  policy: policyInput,
}: {
  profile: ReferenceProfile;
  current: DriftCurrent;
  policy?: DriftPolicyInput;
}): DriftReport {
  const policy = driftPolicySchema.parse(policyInput ?? {});
  const known = new Set(profile.features.map((f) => f.name));
  for (const name of Object.keys(current.features)) {
    if (!known.has(name)) throw new RangeError(`current counts name feature ${name}, which the profile does not have`);
  }

  const features = profile.features.map((feature) => {
    const counts = checkCounts(feature.name, current.features[feature.name], feature.counts.length);
    const column: Column =
      feature.kind === 'numeric'
        ? { name: feature.name, kind: 'numeric', reference: feature.counts, edges: feature.edges, min: feature.min, max: feature.max, std: feature.std }
        : { name: feature.name, kind: 'categorical', reference: feature.counts };
    return columnDrift(column, counts, policy);
  });

  let prediction: ColumnDrift | null = null;
  if (current.prediction !== undefined) {
    const counts = checkCounts('prediction', current.prediction, profile.prediction.classes.length);
    prediction = columnDrift({ name: 'prediction', kind: 'categorical', reference: profile.prediction.counts }, counts, policy);
  }

  const sampleSize = Math.max(0, ...features.map((f) => f.sampleSize), prediction?.sampleSize ?? 0);
  const evaluated = features.filter((f) => !f.insufficientData);
  const driftedFeatures = evaluated.filter((f) => f.drifted).length;
  const driftShare = evaluated.length === 0 ? 0 : driftedFeatures / evaluated.length;
  return {
    sampleSize,
    insufficientData: sampleSize < policy.minSamples,
    features,
    prediction,
    evaluatedFeatures: evaluated.length,
    driftedFeatures,
    driftShare,
    datasetDrift: evaluated.length > 0 && driftShare >= policy.driftShare,
    policy,
  };
}

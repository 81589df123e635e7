// Whether a retrained model reproduces a version: its holdout metrics against the version's recorded
// ones, and its predicted probabilities against the version's model's on the same holdout rows.

/** Metrics and probabilities agreeing to within this count as reproduced (CPU training is exact or close to it). */
export const DEFAULT_REPRODUCTION_TOLERANCE = 1e-6;

export interface MetricDifference {
  metric: string;
  original: number | null;
  reproduced: number | null;
  /** |original - reproduced|; null when one side is missing or not a number. */
  absDelta: number | null;
}

export interface ReproductionComparison {
  reproduced: boolean;
  tolerance: number;
  /**
   * The larger of the two deltas below: what `reproduced` is decided on. null when something could
   * not be compared (a metric null on one side only, probabilities of another shape): then not reproduced.
   */
  maxAbsDelta: number | null;
  /** Over every holdout metric both sides report (null equals null). */
  metricsMaxAbsDelta: number | null;
  /** Over every predicted class probability of every holdout row. */
  probabilitiesMaxAbsDelta: number | null;
  /** The metric with the largest delta, when there is one. */
  worstMetric?: string;
  /** Metrics that differ by more than the tolerance, or that could not be compared. */
  differences: MetricDifference[];
  /**
   * Metrics only one side reports (an evaluator that learnt a metric since the version was
   * registered): shown, not compared; the probabilities still compare the models themselves.
   */
  unmatched: string[];
  metrics: { original: Record<string, number | null>; reproduced: Record<string, number | null> };
}

function comparable(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * The largest absolute difference over the metrics both sides report; a metric that is a number on one
 * side and null (or not finite) on the other makes it null.
 */
export function compareMetrics(
  original: Record<string, number | null>,
  reproduced: Record<string, number | null>,
  tolerance: number,
): { maxAbsDelta: number | null; worst?: string; differences: MetricDifference[]; unmatched: string[] } {
  const all = [...new Set([...Object.keys(original), ...Object.keys(reproduced)])].sort();
  const names = all.filter((name) => name in original && name in reproduced);
  const unmatched = all.filter((name) => !(name in original && name in reproduced));
  let max = 0;
  let worst: string | undefined;
  let incomparable = false;
  const differences: MetricDifference[] = [];
  for (const metric of names) {
    const a = original[metric];
    const b = reproduced[metric];
    if (a === null && b === null) continue;
    if (!comparable(a) || !comparable(b)) {
      incomparable = true;
      differences.push({ metric, original: a ?? null, reproduced: b ?? null, absDelta: null });
      continue;
    }
    const delta = Math.abs(a - b);
    if (worst === undefined || delta > max) {
      worst = metric;
      max = delta;
    }
    if (delta > tolerance) differences.push({ metric, original: a, reproduced: b, absDelta: delta });
  }
  return { maxAbsDelta: incomparable ? null : max, ...(worst !== undefined ? { worst } : {}), differences, unmatched };
}

/** The largest absolute difference between two probability tables; null when their shapes differ or a value is not finite. */
export function maxAbsDifference(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number | null {
  if (a.length !== b.length) return null;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const row = a[i]!;
    const other = b[i]!;
    if (row.length !== other.length) return null;
    for (let j = 0; j < row.length; j++) {
      const delta = Math.abs(row[j]! - other[j]!);
      if (!Number.isFinite(delta)) return null;
      if (delta > max) max = delta;
    }
  }
  return max;
}

export function compareReproduction(input: {
  originalMetrics: Record<string, number | null>;
  reproducedMetrics: Record<string, number | null>;
  originalProbabilities: readonly (readonly number[])[];
  reproducedProbabilities: readonly (readonly number[])[];
  tolerance?: number;
}): ReproductionComparison {
  const tolerance = input.tolerance ?? DEFAULT_REPRODUCTION_TOLERANCE;
  const metrics = compareMetrics(input.originalMetrics, input.reproducedMetrics, tolerance);
  const probabilities = maxAbsDifference(input.originalProbabilities, input.reproducedProbabilities);
  const maxAbsDelta = metrics.maxAbsDelta === null || probabilities === null ? null : Math.max(metrics.maxAbsDelta, probabilities);
  return {
    reproduced: maxAbsDelta !== null && maxAbsDelta <= tolerance,
    tolerance,
    maxAbsDelta,
    metricsMaxAbsDelta: metrics.maxAbsDelta,
    probabilitiesMaxAbsDelta: probabilities,
    ...(metrics.worst !== undefined ? { worstMetric: metrics.worst } : {}),
    differences: metrics.differences,
    unmatched: metrics.unmatched,
    metrics: { original: input.originalMetrics, reproduced: input.reproducedMetrics },
  };
}

// The promotion gate: a candidate model's metrics against fixed thresholds and against the
// current champion (the baseline), with MLflow's MetricThreshold semantics and field names.
import { z } from 'zod';

/**
 * MLflow's MetricThreshold in its public snake_case form. Unknown keys are rejected so that a
 * misspelt rule (say `min_abs_change`) fails loudly instead of silently not gating.
 */
export const metricThresholdSchema = z
  .strictObject({
    /** The candidate must reach this value: >= when greater is better, else <=. */
    threshold: z.number().optional(),
    /** The candidate must beat the baseline by at least this much. Positive, as in MLflow. */
    min_absolute_change: z.number().positive().optional(),
    /** The candidate must beat the baseline by at least this share of |baseline|, in [0, 1]. */
    min_relative_change: z.number().min(0).max(1).optional(),
    greater_is_better: z.boolean(),
  })
  .refine(
    (t) => t.threshold !== undefined || t.min_absolute_change !== undefined || t.min_relative_change !== undefined,
    { message: 'set at least one of threshold, min_absolute_change, min_relative_change' },
  );

/** Metric name to its threshold. An empty gate passes every candidate. */
export const gateSchema = z.record(z.string(), metricThresholdSchema);

export type MetricThreshold = z.infer<typeof metricThresholdSchema>;
export type Gate = z.infer<typeof gateSchema>;
export type MetricValues = Readonly<Record<string, number | null | undefined>>;
export type GateCheckKind = 'threshold' | 'min_absolute_change' | 'min_relative_change';

export type GateCheck = {
  metric: string;
  kind: GateCheckKind;
  passed: boolean;
  /** A baseline check with no baseline given: reported, counted as passed. */
  skipped: boolean;
  candidate: number | null;
  /** The baseline's value; absent when no baseline was given, null when it lacks the metric. */
  baseline?: number | null;
  /** The value the candidate had to reach (>= or <= by greater_is_better); null when unknown. */
  required: number | null;
  message: string;
};

export type GateResult = { passed: boolean; checks: GateCheck[] };

/** MLflow's fallback margin when a relative change cannot be taken from a zero baseline. */
export const ZERO_BASELINE_MARGIN = 1e-10;

function valueOf(metrics: MetricValues, metric: string): number | null {
  const value = metrics[metric];
  return typeof value === 'number' && !Number.isNaN(value) ? value : null;
}

/** Why a candidate has no value: a name it lacks (often a typo) reads differently from a null it holds. */
function missingCandidate(metrics: MetricValues, metric: string): string {
  return Object.hasOwn(metrics, metric)
    ? `${metric} has no value (${String(metrics[metric])}) in the candidate's metrics`
    : `${metric} is missing from the candidate's metrics`;
}

function checkMetric(
  metric: string,
  rule: MetricThreshold,
  candidateMetrics: MetricValues,
  baselineMetrics: MetricValues | undefined,
): GateCheck[] {
  const better = rule.greater_is_better;
  const op = better ? '>=' : '<=';
  const reaches = (value: number, required: number) => (better ? value >= required : value <= required);
  const candidate = valueOf(candidateMetrics, metric);
  const baseline = baselineMetrics === undefined ? undefined : valueOf(baselineMetrics, metric);
  const withBaseline = baseline === undefined ? {} : { baseline };
  const checks: GateCheck[] = [];

  if (rule.threshold !== undefined) {
    const required = rule.threshold;
    const passed = candidate !== null && reaches(candidate, required);
    checks.push({
      metric,
      kind: 'threshold',
      passed,
      skipped: false,
      candidate,
      ...withBaseline,
      required,
      message:
        candidate === null
          ? `${missingCandidate(candidateMetrics, metric)}; it must be ${op} ${required}`
          : `${metric} = ${candidate} ${passed ? 'meets' : 'fails'} threshold ${op} ${required}`,
    });
  }

  const comparisons: Array<[GateCheckKind, number | undefined]> = [
    ['min_absolute_change', rule.min_absolute_change],
    ['min_relative_change', rule.min_relative_change],
  ];
  for (const [kind, amount] of comparisons) {
    if (amount === undefined) continue;
    if (baseline === undefined) {
      checks.push({
        metric,
        kind,
        passed: true,
        skipped: true,
        candidate,
        required: null,
        message: `${metric} ${kind} skipped: no baseline to compare with`,
      });
      continue;
    }
    if (baseline === null) {
      checks.push({
        metric,
        kind,
        passed: false,
        skipped: false,
        candidate,
        baseline,
        required: null,
        message: `${metric} is missing from the baseline's metrics, so ${kind} cannot be checked`,
      });
      continue;
    }

    let required: number;
    let passed: boolean;
    let basis: string;
    if (kind === 'min_absolute_change') {
      // MLflow compares against baseline ± change rather than subtracting, and so do we:
      // the two differ in the last bit of a float.
      required = better ? baseline + amount : baseline - amount;
      passed = candidate !== null && reaches(candidate, required);
      basis = `baseline ${baseline} ${better ? '+' : '-'} ${amount}`;
    } else if (baseline === 0) {
      required = better ? ZERO_BASELINE_MARGIN : -ZERO_BASELINE_MARGIN;
      passed = candidate !== null && reaches(candidate, required);
      basis = `baseline is 0, so only strict improvement is required`;
    } else {
      required = better ? baseline + amount * Math.abs(baseline) : baseline - amount * Math.abs(baseline);
      const change = candidate === null ? null : ((better ? 1 : -1) * (candidate - baseline)) / Math.abs(baseline);
      passed = change !== null && change >= amount;
      basis = `baseline ${baseline} improved by ${amount} of |baseline|`;
    }
    checks.push({
      metric,
      kind,
      passed,
      skipped: false,
      candidate,
      baseline,
      required,
      message:
        candidate === null
          ? `${missingCandidate(candidateMetrics, metric)}; it must be ${op} ${required} (${basis})`
          : `${metric} = ${candidate} ${passed ? 'meets' : 'fails'} ${kind}: needs ${op} ${required} (${basis})`,
    });
  }
  return checks;
}

/**
 * Checks a candidate's metrics against the gate, metric by metric in the gate's key order.
 * Passes when every check that ran passed. A metric missing, null or NaN in the candidate
 * fails each of its checks. With no baseline at all (a first model), baseline comparisons are
 * skipped; with a baseline that lacks the metric, they fail, as in MLflow.
 * min_relative_change measures change against |baseline| (MLflow divides by the signed
 * baseline, which inverts the rule for negative metrics); with a zero baseline it falls back,
 * as MLflow does, to requiring the candidate to beat 0 by 1e-10.
 */
export function evaluateGate(gate: Gate, candidate: MetricValues, baseline?: MetricValues): GateResult {
  const checks = Object.entries(gate).flatMap(([metric, rule]) => checkMetric(metric, rule, candidate, baseline));
  return { passed: checks.every((c) => c.passed), checks };
}

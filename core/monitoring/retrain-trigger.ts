// Whether one drift report should start a retraining pipeline for a model: the drift monitor asks this
// after each window, so every "no" names its reason (too few samples, no drift, below share, cooldown).
import { z } from 'zod';
import { driftPolicySchema, type DriftReport } from './drift-report';
import { parseDurationSeconds } from '../pipeline/duration';
import { accuracyPolicySchema } from './live-accuracy';

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a positive number of seconds or a duration like "30m", "6h", "1d"; got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return seconds;
});

/**
 * A model's drift-triggered retraining policy. `drift` holds the tests and thresholds the monitor
 * computes the report with; the rest decides whether that report is worth a pipeline. Unknown keys are
 * refused, as in the drift policy, so that a misspelt setting fails loudly.
 */
export const retrainPolicySchema = z.strictObject({
  /** Off turns drift-triggered retraining off for the model; schedules are unaffected. */
  enabled: z.boolean().default(true),
  /** Which tests decide each column's verdict, their thresholds, and per-column minimum samples. */
  drift: driftPolicySchema.default(() => driftPolicySchema.parse({})),
  /**
   * Retrain when drifted features / evaluated features >= this. Unset means the drift policy's own
   * driftShare, i.e. retrain exactly when the report says dataset drift.
   */
  driftShare: z.number().min(0).max(1).optional(),
  /**
   * The fewest current values in the window (the report's sampleSize) that may start a pipeline.
   * Higher than the per-column minimum by default: a verdict on 100 rows is worth reporting, a
   * retraining run on it is mostly noise.
   */
  minSamples: z.number().int().min(1).default(1000),
  /** After a trigger, further drift starts nothing until this has passed: seconds or "30m", "6h", "1d". */
  cooldown: duration.default(6 * 3600),
  /** Also retrain when the predicted-class mix drifts, even if too few features did. */
  onPredictionDrift: z.boolean().default(false),
  /** Also retrain (and send accuracy_degraded) when live accuracy from ground truth falls below a floor. */
  accuracy: accuracyPolicySchema.optional(),
});

export type RetrainPolicy = z.infer<typeof retrainPolicySchema>;
export type RetrainPolicyInput = z.input<typeof retrainPolicySchema>;

export type RetrainSkipReason = 'disabled' | 'insufficient_samples' | 'no_drift' | 'below_share' | 'cooldown';

type Evidence = {
  sampleSize: number;
  driftShare: number;
  /** The share that would have triggered. */
  driftShareThreshold: number;
  driftedFeatures: string[];
  predictionDrift: boolean;
};

export type RetrainDecision =
  | ({ trigger: true; reason: 'drift' | 'prediction_drift'; message: string } & Evidence)
  | ({
      trigger: false;
      reason: RetrainSkipReason;
      message: string;
      /** Only for `cooldown`: the earliest time (ISO) a report may trigger again. */
      cooldownUntil?: string;
    } & Evidence);

export type Instant = Date | string | number;

function epochMs(value: Instant, name: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid time: ${String(value)}`);
  return ms;
}

/** Parsed policies compare equal when their JSON does: zod emits keys in schema order. */
function samePolicy(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Decides whether `report` should trigger retraining. Checks run in this order, and the first that
 * fails names the reason: disabled, too few samples, no drift at all, drift below the share, in
 * cooldown. Cooldown comes last so that a quiet window reads "no drift" rather than "cooldown".
 *
 * `lastTriggeredAt` is the time of the model's last trigger (null or absent: never). A trigger time
 * later than `now` (a skewed clock) counts as inside the cooldown. The cooldown ends at exactly
 * lastTriggeredAt + cooldown. `report` must have been computed with the policy's `drift` settings,
 * otherwise its verdicts answer a different question: that is a wiring mistake and throws.
 */
export function decideRetrain({
  report,
  policy: policyInput,
  lastTriggeredAt,
  now,
}: {
  report: DriftReport;
  policy?: RetrainPolicyInput | RetrainPolicy;
  lastTriggeredAt?: Instant | null;
  now: Instant;
}): RetrainDecision {
  const policy = retrainPolicySchema.parse(policyInput ?? {});
  if (!samePolicy(report.policy, policy.drift)) {
    throw new RangeError('the drift report was computed with other drift settings than the retrain policy names');
  }
  const nowMs = epochMs(now, 'now');
  const shareThreshold = policy.driftShare ?? policy.drift.driftShare;
  const driftedFeatures = report.features.filter((f) => f.drifted).map((f) => f.name);
  const predictionDrift = report.prediction?.drifted ?? false;
  const evidence: Evidence = {
    sampleSize: report.sampleSize,
    driftShare: report.driftShare,
    driftShareThreshold: shareThreshold,
    driftedFeatures,
    predictionDrift,
  };
  const skip = (reason: RetrainSkipReason, message: string, extra: { cooldownUntil?: string } = {}): RetrainDecision => ({
    trigger: false,
    reason,
    message,
    ...extra,
    ...evidence,
  });

  if (!policy.enabled) return skip('disabled', 'drift-triggered retraining is off for this model');
  if (report.sampleSize < policy.minSamples) {
    return skip('insufficient_samples', `${report.sampleSize} samples in the window, fewer than the ${policy.minSamples} a retrain needs`);
  }
  const shareMet = report.evaluatedFeatures > 0 && report.driftShare >= shareThreshold;
  const byPrediction = policy.onPredictionDrift && predictionDrift;
  if (!shareMet && !byPrediction) {
    if (driftedFeatures.length === 0 && !predictionDrift) {
      return skip('no_drift', `no feature drifted (${report.evaluatedFeatures} evaluated)`);
    }
    return skip(
      'below_share',
      `${report.driftedFeatures} of ${report.evaluatedFeatures} features drifted (share ${report.driftShare.toFixed(3)}), below ${shareThreshold}` +
        (predictionDrift ? '; the prediction mix drifted but the policy does not retrain on it' : ''),
    );
  }
  if (lastTriggeredAt !== undefined && lastTriggeredAt !== null) {
    const until = epochMs(lastTriggeredAt, 'lastTriggeredAt') + policy.cooldown * 1000;
    if (nowMs < until) {
      const cooldownUntil = new Date(until).toISOString();
      return skip('cooldown', `drift found, but the last retrain was triggered within the ${policy.cooldown} s cooldown (until ${cooldownUntil})`, {
        cooldownUntil,
      });
    }
  }
  if (shareMet) {
    return {
      trigger: true,
      reason: 'drift',
      message: `${report.driftedFeatures} of ${report.evaluatedFeatures} features drifted (share ${report.driftShare.toFixed(3)} >= ${shareThreshold}): ${driftedFeatures.join(', ')}`,
      ...evidence,
    };
  }
  return { trigger: true, reason: 'prediction_drift', message: 'the predicted-class mix drifted', ...evidence };
}

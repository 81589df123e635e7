// Live accuracy from ground truth: the scores of a version's labelled predictions (accuracy, macro F1,
// confusion matrix, label delay), and whether a window's accuracy under the policy's floor should
// raise an alert and ask for retraining. The store aggregates the joined pairs into cells; the
// per-class scores are the evaluation's own (sklearn's definitions), so live and offline numbers compare.
import { z } from 'zod';
import { perClass, type ClassMetrics } from '../evaluation/classification-metrics';
import { boundedDuration, parseDurationSeconds } from '../pipeline/duration';

/** Joined (label, prediction) pairs of one version, counted per cell with their label delays. */
export interface LabelledCell {
  /** True class index. */
  label: number;
  /** Predicted class index. */
  predicted: number;
  count: number;
  /** Sum and largest of labelledAt - servedAt over the cell's pairs, in ms. */
  delayMsSum: number;
  delayMsMax: number;
}

export interface LiveAccuracy {
  labelled: number;
  /** Null with no labelled predictions: nothing to score. */
  accuracy: number | null;
  /** Unweighted mean F1 over the classes present in the labels or the predictions (sklearn's labels=None). */
  macroF1: number | null;
  classes: string[];
  /** counts[actual][predicted], in the version's class order. */
  confusionMatrix: number[][];
  classMetrics: Record<string, ClassMetrics>;
  /** How long labels took to arrive after the prediction was served; null with none. */
  labelDelaySeconds: { mean: number; max: number } | null;
}

export function liveAccuracy(cells: readonly LabelledCell[], classNames: readonly string[]): LiveAccuracy {
  const k = classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let labelled = 0;
  let delaySum = 0;
  let delayMax = 0;
  for (const cell of cells) {
    if (!inRange(cell.label, k) || !inRange(cell.predicted, k)) {
      throw new RangeError(`a labelled pair (label ${cell.label}, predicted ${cell.predicted}) is outside the version's ${k} classes`);
    }
    if (!Number.isInteger(cell.count) || cell.count < 0) throw new RangeError(`cell count ${cell.count} is not a count`);
    confusion[cell.label]![cell.predicted]! += cell.count;
    labelled += cell.count;
    delaySum += cell.delayMsSum;
    delayMax = Math.max(delayMax, cell.delayMsMax);
  }
  const classes = perClass(confusion);
  const classMetrics: Record<string, ClassMetrics> = Object.fromEntries(classes.map((m, c) => [classNames[c]!, m]));
  if (labelled === 0) {
    return { labelled, accuracy: null, macroF1: null, classes: [...classNames], confusionMatrix: confusion, classMetrics, labelDelaySeconds: null };
  }
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c]![c]!;
  // As classificationReport's macro average: a class neither labelled nor predicted says nothing.
  const occurring = classes.filter((m, c) => m.support > 0 || confusion.some((row) => row[c]! > 0));
  return {
    labelled,
    accuracy: correct / labelled,
    macroF1: occurring.reduce((sum, m) => sum + m.f1, 0) / occurring.length,
    classes: [...classNames],
    confusionMatrix: confusion,
    classMetrics,
    labelDelaySeconds: { mean: delaySum / labelled / 1000, max: delayMax / 1000 },
  };
}

const inRange = (index: number, k: number) => Number.isInteger(index) && index >= 0 && index < k;

/**
 * The floor a model's live accuracy must hold (part of its retrain policy): judged over the
 * predictions served in the last `window`, once at least `minLabels` of them have labels.
 */
export const accuracyPolicySchema = z.strictObject({
  floor: z.number().min(0).max(1),
  minLabels: z.number().int().min(1).max(1_000_000).default(100),
  /** Seconds or "6h", "1d"; at most 30 days. Stored as seconds. */
  window: boundedDuration(30 * 86400)
    .default(86400)
    .transform((value) => parseDurationSeconds(value)!),
});

export type AccuracyPolicy = z.infer<typeof accuracyPolicySchema>;

export type AccuracyDecision =
  | { trigger: true; reason: 'below_floor'; message: string }
  | { trigger: false; reason: 'disabled' | 'insufficient_labels' | 'at_or_above_floor' | 'already_alerted'; message: string; until?: string };

/**
 * Whether a window's accuracy should alert and retrain. Once per window: after a trigger (of any
 * kind: a drift retrain also resets it), nothing fires again until both a whole window and the
 * cooldown have passed, so a model that stays bad yields one alert per window, not one per monitor run.
 */
export function decideAccuracyAlert({
  labelled,
  accuracy,
  policy,
  enabled = true,
  lastTriggeredAt,
  cooldownSeconds = 0,
  now,
}: {
  labelled: number;
  accuracy: number | null;
  policy: AccuracyPolicy;
  enabled?: boolean;
  lastTriggeredAt?: Date | null;
  cooldownSeconds?: number;
  now: number;
}): AccuracyDecision {
  if (!enabled) return { trigger: false, reason: 'disabled', message: 'retraining is off for this model' };
  if (labelled < policy.minLabels || accuracy === null) {
    return { trigger: false, reason: 'insufficient_labels', message: `${labelled} labelled predictions in the window, fewer than the ${policy.minLabels} the floor is judged on` };
  }
  const measured = `accuracy ${accuracy.toFixed(4)} on ${labelled} labelled predictions`;
  if (accuracy >= policy.floor) return { trigger: false, reason: 'at_or_above_floor', message: `${measured}, at or above the floor ${policy.floor}` };
  if (lastTriggeredAt) {
    const until = lastTriggeredAt.getTime() + Math.max(policy.window, cooldownSeconds) * 1000;
    if (now < until) {
      return { trigger: false, reason: 'already_alerted', message: `${measured}, below the floor ${policy.floor}, but a retrain was triggered within this window`, until: new Date(until).toISOString() };
    }
  }
  return { trigger: true, reason: 'below_floor', message: `${measured}, below the floor ${policy.floor}` };
}

// Group fairness of a classifier's predictions across the groups of each sensitive feature, defined
// to agree with fairlearn 0.15 (MetricFrame by_group, demographic parity and equalized odds with
// method='between_groups'); test/unit/fairness-metrics-fairlearn.test.ts checks every value against it.

export type SensitiveFeatureInput = {
  /** The feature's column name; the flat metric names end in it. */
  name: string;
  /** The feature's categories in index order; groups are named by them. */
  categories: readonly string[];
  /** Each example's category index, in 0..categories.length-1. */
  groups: readonly number[];
};

export type FairnessInput = {
  /** True class index of each example. */
  labels: readonly number[];
  /** Predicted class index of each example (the argmax of its probabilities). */
  predictions: readonly number[];
  numClasses: number;
  /**
   * The class that counts as a favourable outcome: "selected" means predicted as it, and the true
   * and false positive rates are of it against all other classes. Left out: no selection, so only
   * per-group accuracy (a multi-class target whose spec names no favourable class).
   */
  favorableClass?: number;
  sensitiveFeatures: readonly SensitiveFeatureInput[];
};

/** One group's metrics, as a row of fairlearn's MetricFrame.by_group. */
export type GroupMetrics = {
  /** Examples in the group. */
  rows: number;
  /** Share of the group's examples predicted as their true class (all classes, not one-vs-rest). */
  accuracy: number;
  /** The rest only with a favourable class. Share of the group predicted as the favourable class. */
  selection_rate?: number;
  /** Examples of the group truly of the favourable class. */
  positives?: number;
  /** Of those, the share predicted as it; 0 when the group has none, as fairlearn (see fairnessReport). */
  true_positive_rate?: number;
  /** Of the group's other examples, the share predicted as the favourable class; 0 when there are none. */
  false_positive_rate?: number;
};

export type FeatureFairness = {
  /** Groups with at least one example, in category order; a category with none is left out, as fairlearn does. */
  groups: Record<string, GroupMetrics>;
  /** Lowest accuracy of any group. */
  accuracy_min_group: number;
  /** Highest minus lowest group accuracy. */
  accuracy_difference: number;
  /** The rest only with a favourable class. Highest minus lowest group selection rate. */
  demographic_parity_difference?: number;
  /** Lowest over highest group selection rate; null when no group is ever selected (fairlearn's NaN). */
  demographic_parity_ratio?: number | null;
  /** The larger of the true positive rate difference and the false positive rate difference. */
  equalized_odds_difference?: number;
  /**
   * The smaller of the true and false positive rate ratios (lowest over highest group rate), as
   * fairlearn's min([tpr_ratio, fpr_ratio]) gives it: the TPR ratio when the FPR ratio is undefined
   * (no group has a false positive, as with a perfect model); null when the TPR ratio is undefined
   * (no group has a true positive).
   */
  equalized_odds_ratio?: number | null;
};

export type FairnessReport = {
  /** Index of the favourable class; null when there is none and only accuracy is compared. */
  favorableClass: number | null;
  /** Keyed by sensitive feature name, in the order given. */
  features: Record<string, FeatureFairness>;
};

/** A report as the registry keeps it and the model card shows it: the favourable class by its name. */
export type FairnessRecord = {
  /** The favourable class's label; null when there is none and only accuracy is compared. */
  favorableClass: string | null;
  features: Record<string, FeatureFairness>;
};

/** Flat metric names of one sensitive feature: the gate names them as `<metric>:<feature>`. */
const ACCURACY_METRICS = ['accuracy_min_group'] as const;
const SELECTION_METRICS = ['demographic_parity_difference', 'demographic_parity_ratio', 'equalized_odds_difference', 'equalized_odds_ratio'] as const;

/** The flat name of a fairness metric of one sensitive feature, as gates and the registry name it. */
export function fairnessMetricName(metric: string, feature: string): string {
  return `${metric}:${feature}`;
}

/**
 * The flat names fairnessReport's metrics get for these sensitive features: accuracy_min_group for
 * each, and the parity and equalized-odds metrics too when there is a favourable class.
 */
export function fairnessMetricNames(sensitiveFeatures: readonly string[], hasFavorableClass: boolean): string[] {
  const metrics = hasFavorableClass ? [...ACCURACY_METRICS, ...SELECTION_METRICS] : ACCURACY_METRICS;
  return sensitiveFeatures.flatMap((feature) => metrics.map((metric) => fairnessMetricName(metric, feature)));
}

/** The metrics that need a favourable class, so that a gate naming one can be told why it is missing. */
export function isSelectionMetric(metric: string): boolean {
  return (SELECTION_METRICS as readonly string[]).includes(metric);
}

function validate({ labels, predictions, numClasses, favorableClass, sensitiveFeatures }: FairnessInput): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new RangeError(`numClasses must be an integer of at least 2, got ${numClasses}`);
  if (favorableClass !== undefined && (!Number.isInteger(favorableClass) || favorableClass < 0 || favorableClass >= numClasses)) {
    throw new RangeError(`favorableClass must be a class index in 0..${numClasses - 1}, got ${favorableClass}`);
  }
  if (labels.length === 0) throw new RangeError('no examples to score');
  if (predictions.length !== labels.length) throw new RangeError(`${labels.length} labels but ${predictions.length} predictions`);
  const isClass = (c: number) => Number.isInteger(c) && c >= 0 && c < numClasses;
  labels.forEach((label, i) => {
    if (!isClass(label)) throw new RangeError(`example ${i}: label ${label} is not a class index in 0..${numClasses - 1}`);
    if (!isClass(predictions[i]!)) throw new RangeError(`example ${i}: prediction ${predictions[i]} is not a class index in 0..${numClasses - 1}`);
  });
  const names = new Set<string>();
  for (const feature of sensitiveFeatures) {
    if (names.has(feature.name)) throw new RangeError(`sensitive feature ${feature.name} is given twice`);
    names.add(feature.name);
    if (new Set(feature.categories).size !== feature.categories.length) throw new RangeError(`sensitive feature ${feature.name}: categories must be distinct`);
    if (feature.groups.length !== labels.length) throw new RangeError(`sensitive feature ${feature.name}: ${feature.groups.length} groups for ${labels.length} examples`);
    feature.groups.forEach((group, i) => {
      if (!Number.isInteger(group) || group < 0 || group >= feature.categories.length) {
        throw new RangeError(`sensitive feature ${feature.name}, example ${i}: group ${group} is not a category index in 0..${feature.categories.length - 1}`);
      }
    });
  }
}

type Counts = { rows: number; correct: number; selected: number; positives: number; truePositives: number; falsePositives: number };

const spread = (values: readonly number[]) => Math.max(...values) - Math.min(...values);

/** Lowest over highest; null for 0/0, as fairlearn's NaN. Rates are never negative. */
function ratio(values: readonly number[]): number | null {
  const highest = Math.max(...values);
  return highest === 0 ? null : Math.min(...values) / highest;
}

function featureFairness(input: FairnessInput, feature: SensitiveFeatureInput): FeatureFairness {
  const { labels, predictions, favorableClass } = input;
  const counts: Counts[] = feature.categories.map(() => ({ rows: 0, correct: 0, selected: 0, positives: 0, truePositives: 0, falsePositives: 0 }));
  labels.forEach((label, i) => {
    const c = counts[feature.groups[i]!]!;
    const predicted = predictions[i]!;
    c.rows++;
    if (predicted === label) c.correct++;
    if (favorableClass === undefined) return;
    const selected = predicted === favorableClass;
    if (selected) c.selected++;
    if (label === favorableClass) {
      c.positives++;
      if (selected) c.truePositives++;
    } else if (selected) {
      c.falsePositives++;
    }
  });

  const entries: Array<[string, GroupMetrics]> = [];
  counts.forEach((c, g) => {
    if (c.rows === 0) return;
    const negatives = c.rows - c.positives;
    const metrics: GroupMetrics =
      favorableClass === undefined
        ? { rows: c.rows, accuracy: c.correct / c.rows }
        : {
            rows: c.rows,
            accuracy: c.correct / c.rows,
            selection_rate: c.selected / c.rows,
            positives: c.positives,
            // sklearn's confusion_matrix(normalize='true') turns the 0/0 of an empty row into 0, and fairlearn keeps it.
            true_positive_rate: c.positives === 0 ? 0 : c.truePositives / c.positives,
            false_positive_rate: negatives === 0 ? 0 : c.falsePositives / negatives,
          };
    entries.push([feature.categories[g]!, metrics]);
  });
  // fromEntries defines own properties, so a category named `__proto__` is a key like any other.
  const groups: Record<string, GroupMetrics> = Object.fromEntries(entries);
  const present = entries.map(([, metrics]) => metrics);

  const accuracies = present.map((m) => m.accuracy);
  const result: FeatureFairness = { groups, accuracy_min_group: Math.min(...accuracies), accuracy_difference: spread(accuracies) };
  if (favorableClass === undefined) return result;
  const selection = present.map((m) => m.selection_rate!);
  const tpr = present.map((m) => m.true_positive_rate!);
  const fpr = present.map((m) => m.false_positive_rate!);
  const tprRatio = ratio(tpr);
  const fprRatio = ratio(fpr);
  return {
    ...result,
    demographic_parity_difference: spread(selection),
    demographic_parity_ratio: ratio(selection),
    equalized_odds_difference: Math.max(spread(tpr), spread(fpr)),
    equalized_odds_ratio: tprRatio === null ? null : fprRatio === null ? tprRatio : Math.min(tprRatio, fprRatio),
  };
}

/**
 * Per sensitive feature, each group's accuracy and (with a favourable class) selection rate and true
 * and false positive rates, and the between-groups differences and ratios of fairlearn.
 * A group with no examples of the favourable class gets a true positive rate of 0, not undefined:
 * fairlearn computes rates with sklearn's confusion_matrix(normalize='true'), which maps 0/0 to 0. So
 * such a group pulls equalized_odds_difference up to the highest other group's rate, which errs on the
 * side of failing a gate; `positives` in its group row shows why.
 */
export function fairnessReport(input: FairnessInput): FairnessReport {
  validate(input);
  const features: Record<string, FeatureFairness> = Object.fromEntries(input.sensitiveFeatures.map((f) => [f.name, featureFairness(input, f)]));
  return { favorableClass: input.favorableClass ?? null, features };
}

/** The report's per-feature metrics under their flat names, for the gate and the registry's metrics. */
export function flatFairnessMetrics(report: FairnessReport): Record<string, number | null> {
  const flat: Record<string, number | null> = {};
  const metrics = report.favorableClass === null ? ACCURACY_METRICS : [...ACCURACY_METRICS, ...SELECTION_METRICS];
  for (const [feature, fairness] of Object.entries(report.features)) {
    for (const metric of metrics) flat[fairnessMetricName(metric, feature)] = fairness[metric] ?? null;
  }
  return flat;
}

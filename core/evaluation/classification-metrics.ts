// Evaluation metrics for a classifier's predicted probabilities, binary or multi-class, defined to
// agree with scikit-learn 1.7 so that numbers logged here compare with numbers computed in Python
// (test/unit/classification-metrics-sklearn.test.ts checks every value against it).

export type ClassificationInput = {
  /** True class index of each example, in 0..numClasses-1. */
  labels: readonly number[];
  /** One row per example: the probability of each class, in class-index order. */
  probabilities: readonly (readonly number[])[];
  numClasses: number;
  /**
   * Class index scored alone (against all others) for `precision`, `recall`, `f1` and `roc_auc`.
   * Left out: class 1 for a binary model, as sklearn's pos_label=1; none with more classes.
   */
  positiveClass?: number;
  /** Names of the classes in index order; classMetrics is keyed by them. Left out: "0", "1", ... */
  classNames?: readonly string[];
};

/** Scores of one class against the rest, as sklearn's precision_recall_fscore_support(average=None). */
export type ClassMetrics = {
  /** Of the examples predicted as this class, the share truly of it; 0 when none are predicted. */
  precision: number;
  /** Of the examples truly of this class, the share predicted as it; 0 when there are none. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Number of examples truly of this class. */
  support: number;
};

/** Metrics every classifier gets. */
export type AveragedMetrics = {
  accuracy: number;
  /** Unweighted mean over the classes that occur in the labels or the predictions (sklearn's labels=None). */
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  /** Mean over the classes weighted by their support. */
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  /**
   * One-vs-rest ROC AUC averaged over all classes (sklearn's roc_auc_score(multi_class='ovr',
   * average='macro')); null when one class's AUC is undefined, as sklearn's NaN. For a binary model
   * it is class 1's AUC, which sklearn's roc_auc_score gives for binary labels whatever multi_class says.
   */
  roc_auc_ovr: number | null;
  log_loss: number;
  /** Number of examples scored. */
  support: number;
};

/** The positive class's scores, under the names gates used before multi-class models existed. */
export type PositiveClassMetrics = {
  precision: number;
  recall: number;
  f1: number;
  /** Positive class against the rest; null when the labels hold only one side, where AUC is undefined. */
  roc_auc: number | null;
};

/** Flat metric record: what gates check and the registry stores. */
export type ClassificationMetrics = AveragedMetrics | (AveragedMetrics & PositiveClassMetrics);

export type ClassificationReport = {
  metrics: ClassificationMetrics;
  /** Every class of the model, keyed by its name, also those absent from the labels. */
  classMetrics: Record<string, ClassMetrics>;
  /** counts[actual][predicted], numClasses by numClasses. */
  confusionMatrix: number[][];
};

/**
 * Probabilities are clipped to [LOG_LOSS_EPS, 1 - LOG_LOSS_EPS] so one confident miss costs a finite
 * loss. float64's machine epsilon, as sklearn >= 1.5 clips float64 input; ONNX models give float32,
 * which reach us as float64, so sklearn given the same numbers as float64 agrees.
 */
export const LOG_LOSS_EPS = Number.EPSILON;

const AVERAGED_METRIC_NAMES = [
  'accuracy',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'precision_weighted',
  'recall_weighted',
  'f1_weighted',
  'roc_auc_ovr',
  'log_loss',
  'support',
] as const satisfies readonly (keyof AveragedMetrics)[];

const POSITIVE_CLASS_METRIC_NAMES = ['precision', 'recall', 'f1', 'roc_auc'] as const satisfies readonly (keyof PositiveClassMetrics)[];

/** The positive class that gets scored: the one given, else class 1 of a binary model, else none. */
export function scoredPositiveClass(numClasses: number, positiveClass?: number): number | undefined {
  return positiveClass ?? (numClasses === 2 ? 1 : undefined);
}

/**
 * The names classificationReport puts in `metrics` for such a model. A name in the list may still
 * hold null on a given holdout (an AUC with a class absent); a name outside it is never there.
 */
export function classificationMetricNames(numClasses: number, positiveClass?: number): string[] {
  const positive = scoredPositiveClass(numClasses, positiveClass) === undefined ? [] : POSITIVE_CLASS_METRIC_NAMES;
  return [...AVERAGED_METRIC_NAMES, ...positive];
}

/** Index of the largest value; the first one on ties, as numpy's argmax. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Area under the ROC curve via the Mann-Whitney statistic, with tied scores given their
 * average rank; equal to sklearn's roc_auc_score. Null when either side is empty.
 */
export function rocAuc(isPositive: readonly boolean[], scores: readonly number[]): number | null {
  const n = scores.length;
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    // Ranks are 1-based; a tie group spanning start..end shares their mean rank.
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (isPositive[order[k]!]) {
        positives++;
        positiveRankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function validate({ labels, probabilities, positiveClass, numClasses, classNames }: ClassificationInput): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`numClasses must be an integer of at least 2, got ${numClasses}`);
  }
  if (positiveClass !== undefined && (!Number.isInteger(positiveClass) || positiveClass < 0 || positiveClass >= numClasses)) {
    throw new RangeError(`positiveClass must be a class index in 0..${numClasses - 1}, got ${positiveClass}`);
  }
  if (classNames !== undefined) {
    if (classNames.length !== numClasses) throw new RangeError(`${classNames.length} class names for ${numClasses} classes`);
    if (new Set(classNames).size !== numClasses) throw new RangeError('class names must be distinct');
  }
  if (labels.length === 0) throw new RangeError('no examples to score');
  if (probabilities.length !== labels.length) {
    throw new RangeError(`${labels.length} labels but ${probabilities.length} probability rows`);
  }
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(`example ${i}: label ${label} is not a class index in 0..${numClasses - 1}`);
    }
    const row = probabilities[i]!;
    if (row.length !== numClasses) {
      throw new RangeError(`example ${i}: ${row.length} probabilities, expected ${numClasses}`);
    }
    if (row.some((p) => Number.isNaN(p))) throw new RangeError(`example ${i}: probability is NaN`);
  });
}

/** Per-class scores from the confusion matrix, with sklearn's zero_division=0. */
export function perClass(confusion: readonly (readonly number[])[]): ClassMetrics[] {
  const k = confusion.length;
  return confusion.map((row, c) => {
    const truePositives = row[c]!;
    const support = row.reduce((sum, count) => sum + count, 0);
    let predicted = 0;
    for (let a = 0; a < k; a++) predicted += confusion[a]![c]!;
    // 2TP / (2TP + FP + FN) is the harmonic mean without dividing twice; sklearn computes it so.
    const f1Denominator = predicted + support;
    return {
      precision: predicted === 0 ? 0 : truePositives / predicted,
      recall: support === 0 ? 0 : truePositives / support,
      f1: f1Denominator === 0 ? 0 : (2 * truePositives) / f1Denominator,
      support,
    };
  });
}

/**
 * Scores predictions: the predicted class is the argmax of each row (the first on ties).
 * Macro averages leave out a class that is neither in the labels nor ever predicted, as sklearn
 * does without `labels=`: such a class says nothing about the model, and counting it as 0 would cap
 * the macro score of a model whose holdout lacks a rare class. classMetrics still lists it, all 0.
 * roc_auc_ovr is null when a class is absent from the labels (its one-vs-rest AUC is undefined;
 * sklearn warns and returns NaN), so a gate on it fails rather than pass on the other classes alone.
 * log_loss is the mean of -ln(clipped probability of the true class); rows are not renormalised
 * (sklearn warns about such rows but does not renormalise either).
 */
export function classificationReport(input: ClassificationInput): ClassificationReport {
  validate(input);
  const { labels, probabilities, numClasses } = input;
  const n = labels.length;
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let logLossSum = 0;
  for (let i = 0; i < n; i++) {
    const row = probabilities[i]!;
    const actual = labels[i]!;
    confusion[actual]![argmax(row)]!++;
    const p = Math.min(Math.max(row[actual]!, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    logLossSum -= Math.log(p);
  }

  let correct = 0;
  for (let c = 0; c < numClasses; c++) correct += confusion[c]![c]!;
  const classes = perClass(confusion);
  const occurring = classes.filter((m, c) => m.support > 0 || confusion.some((row) => row[c]! > 0));
  const macro = (key: 'precision' | 'recall' | 'f1') => occurring.reduce((sum, m) => sum + m[key], 0) / occurring.length;
  // Every example counts once in some class's support, so the weights sum to n.
  const weighted = (key: 'precision' | 'recall' | 'f1') => classes.reduce((sum, m) => sum + m[key] * m.support, 0) / n;

  const columnAuc = (c: number) =>
    rocAuc(
      labels.map((label) => label === c),
      probabilities.map((row) => row[c]!),
    );
  let rocAucOvr: number | null;
  if (numClasses === 2) {
    rocAucOvr = columnAuc(1);
  } else {
    const aucs = classes.map((_, c) => columnAuc(c));
    rocAucOvr = aucs.some((auc) => auc === null) ? null : aucs.reduce<number>((sum, auc) => sum + auc!, 0) / numClasses;
  }

  const averaged: AveragedMetrics = {
    accuracy: correct / n,
    precision_macro: macro('precision'),
    recall_macro: macro('recall'),
    f1_macro: macro('f1'),
    precision_weighted: weighted('precision'),
    recall_weighted: weighted('recall'),
    f1_weighted: weighted('f1'),
    roc_auc_ovr: rocAucOvr,
    log_loss: logLossSum / n,
    support: n,
  };

  const positive = scoredPositiveClass(numClasses, input.positiveClass);
  let metrics: ClassificationMetrics = averaged;
  if (positive !== undefined) {
    const { precision, recall, f1 } = classes[positive]!;
    const { accuracy, ...rest } = averaged;
    // The positive-class names right after accuracy, where model cards have always listed them.
    metrics = { accuracy, precision, recall, f1, roc_auc: columnAuc(positive), ...rest };
  }

  const names = input.classNames ?? classes.map((_, c) => String(c));
  // fromEntries defines own properties, so a class named `__proto__` is a key like any other.
  const classMetrics: Record<string, ClassMetrics> = Object.fromEntries(classes.map((m, c) => [names[c]!, m]));
  return { metrics, classMetrics, confusionMatrix: confusion };
}

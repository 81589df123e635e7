// Evaluation metrics for a classifier's predicted probabilities, defined to agree with
// scikit-learn so that numbers logged here compare with numbers computed in Python.

export type ClassificationInput = {
  /** True class index of each example, in 0..numClasses-1. */
  labels: readonly number[];
  /** One row per example: the probability of each class, in class-index order. */
  probabilities: readonly (readonly number[])[];
  /** Class index scored as positive for precision, recall, F1 and ROC AUC. */
  positiveClass: number;
  numClasses: number;
};

export type ClassificationMetrics = {
  accuracy: number;
  /** Of the examples predicted positive, the share truly positive; 0 when none are predicted positive. */
  precision: number;
  /** Of the truly positive examples, the share predicted positive; 0 when there are none. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Positive class against the rest; null when the labels hold only one side, where AUC is undefined. */
  roc_auc: number | null;
  log_loss: number;
  /** Number of examples scored. */
  support: number;
  /** counts[actual][predicted], numClasses by numClasses. */
  confusion_matrix: number[][];
};

/** Probabilities are clipped to [LOG_LOSS_EPS, 1 - LOG_LOSS_EPS] so one confident miss costs a finite loss. */
export const LOG_LOSS_EPS = 1e-15;

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

function validate({ labels, probabilities, positiveClass, numClasses }: ClassificationInput): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`numClasses must be an integer of at least 2, got ${numClasses}`);
  }
  if (!Number.isInteger(positiveClass) || positiveClass < 0 || positiveClass >= numClasses) {
    throw new RangeError(`positiveClass must be a class index in 0..${numClasses - 1}, got ${positiveClass}`);
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

/**
 * Scores predictions: the predicted class is the argmax of each row. Precision, recall and F1
 * treat positiveClass against all others (sklearn's average='binary', zero_division=0), also
 * when numClasses > 2. log_loss is the mean of -ln(clipped probability of the true class);
 * rows are not renormalised.
 */
export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  validate(input);
  const { labels, probabilities, positiveClass, numClasses } = input;
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
  const truePositives = confusion[positiveClass]![positiveClass]!;
  let predictedPositive = 0;
  for (let c = 0; c < numClasses; c++) predictedPositive += confusion[c]![positiveClass]!;
  const actualPositive = confusion[positiveClass]!.reduce((sum, count) => sum + count, 0);

  const precision = predictedPositive === 0 ? 0 : truePositives / predictedPositive;
  const recall = actualPositive === 0 ? 0 : truePositives / actualPositive;
  // 2TP / (2TP + FP + FN) is the harmonic mean without dividing twice; sklearn computes it so.
  const f1Denominator = predictedPositive + actualPositive;
  const f1 = f1Denominator === 0 ? 0 : (2 * truePositives) / f1Denominator;

  return {
    accuracy: correct / n,
    precision,
    recall,
    f1,
    roc_auc: rocAuc(
      labels.map((label) => label === positiveClass),
      probabilities.map((row) => row[positiveClass]!),
    ),
    log_loss: logLossSum / n,
    support: n,
    confusion_matrix: confusion,
  };
}

// k-fold cross-validation of a model on its pipeline's training split: which rows each fold validates
// on (stratified by the target unless told otherwise, from a seed, so that a replay and a rerun pick
// the same folds), and the mean and sample standard deviation of each metric over the folds.
import { z } from 'zod';
import { mulberry32, shuffled } from '../statistics/seeded-random';
import { WindsockError } from '../windsock-error';

export const MIN_FOLDS = 2;
export const MAX_FOLDS = 20;

/** A template's `evaluation.crossValidation`. */
export const crossValidationSchema = z.strictObject({
  folds: z.number().int().min(MIN_FOLDS).max(MAX_FOLDS),
  /** Each fold keeps the training split's class proportions (scikit-learn's StratifiedKFold); false: plain shuffled k-fold. */
  stratified: z.boolean().default(true),
  /** Folds trained at the same time on the pipeline's compute; one by one unless raised (a runner with GPUs to spare). */
  parallelism: z.number().int().min(1).max(MAX_FOLDS).default(1),
}).superRefine((cv, ctx) => {
  if (cv.parallelism > cv.folds) ctx.addIssue({ code: 'custom', path: ['parallelism'], message: `parallelism (${cv.parallelism}) may not exceed folds (${cv.folds})` });
});

export type CrossValidationConfig = z.infer<typeof crossValidationSchema>;
/** As a pipeline's input may carry it: defaults not necessarily filled in. */
export type CrossValidationOptions = z.input<typeof crossValidationSchema>;

/** One metric over the folds: `values` in fold order, mean and sample standard deviation (n - 1). */
export type FoldMetricSummary = { mean: number | null; std: number | null; values: Array<number | null> };

/** What a cross-validation found, as the pipeline's status shows it and the version's lineage keeps it. */
export interface CrossValidationRecord {
  folds: number;
  stratified: boolean;
  seed: number;
  metrics: Record<string, FoldMetricSummary>;
  /** Rows each fold validated on, in fold order. */
  validationRows?: number[];
  /** The training job of each fold, in fold order. */
  jobIds?: string[];
}

export type FoldOptions = {
  folds: number;
  stratified: boolean;
  seed: number;
  /** Class names by label index, for the message when a class is too small to stratify. */
  classNames?: readonly string[];
};

/**
 * The validation fold (0..folds-1) of each row. Stratified: rows grouped by label, the labels in the
 * order they first occur, each group shuffled with Fisher-Yates from one mulberry32 stream, and the
 * j-th row of the concatenation dealt to fold j mod folds. That deals each class as evenly as it can
 * (its counts per fold differ by at most one) and keeps fold sizes within one of each other; fold i
 * gets the class counts scikit-learn's StratifiedKFold allocates to its fold i (`y_order[i::n_splits]`).
 * A class with fewer rows than folds cannot be in every validation fold and is an error naming it
 * (scikit-learn only warns, then scores folds that lack the class). Not stratified: all rows shuffled
 * and dealt the same way.
 */
export function assignFolds(labels: readonly number[], { folds, stratified, seed, classNames }: FoldOptions): number[] {
  if (!Number.isInteger(folds) || folds < MIN_FOLDS) throw new RangeError(`folds must be an integer of at least ${MIN_FOLDS}, got ${folds}`);
  if (labels.length < folds) {
    throw new WindsockError('dataset_invalid', `cross-validation with ${folds} folds needs at least ${folds} training rows; the training split has ${labels.length}`);
  }
  const random = mulberry32(seed);
  const fold = new Array<number>(labels.length).fill(-1);
  const groups = new Map<number, number[]>();
  if (stratified) {
    labels.forEach((label, row) => {
      const rows = groups.get(label);
      if (rows) rows.push(row);
      else groups.set(label, [row]);
    });
  } else {
    groups.set(0, labels.map((_, row) => row));
  }
  // Classes in the order they first occur, as StratifiedKFold encodes them, so that fold i gets its class counts.
  const order = [...groups.keys()];
  if (stratified) {
    const small = order.filter((label) => groups.get(label)!.length < folds);
    if (small.length > 0) {
      const named = small.map((label) => `'${classNames?.[label] ?? label}' has ${groups.get(label)!.length}`).join(', ');
      throw new WindsockError(
        'dataset_invalid',
        `stratified cross-validation with ${folds} folds needs at least ${folds} training rows of each class, one per validation fold: class ${named}; ` +
          `use fewer folds, more data, or evaluation.crossValidation.stratified: false`,
      );
    }
  }
  let position = 0;
  for (const label of order) {
    for (const row of shuffled(groups.get(label)!, random)) fold[row] = position++ % folds;
  }
  return fold;
}

/** Each fold's training and validation rows (ascending), from each row's validation fold. */
export function foldSplits(assignment: readonly number[], folds: number): Array<{ train: number[]; validation: number[] }> {
  const splits = Array.from({ length: folds }, () => ({ train: [] as number[], validation: [] as number[] }));
  assignment.forEach((validationFold, row) => {
    splits.forEach((split, f) => (f === validationFold ? split.validation : split.train).push(row));
  });
  return splits;
}

/** Figures of a fold that are counts of its rows rather than scores of the model: not summarized. */
const NOT_SCORES: ReadonlySet<string> = new Set(['support']);

/**
 * Per metric the folds report (in the first fold's order), its values in fold order, their mean and
 * their sample standard deviation (ddof 1, as pandas' and R's sd; numpy's std needs ddof=1 for it).
 * A metric missing or null in any fold has a null mean and std: a gate on it fails naming it, rather
 * than passing on the folds that happened to score it. Counts (support) are left out.
 */
export function summarizeFolds(foldMetrics: ReadonlyArray<Readonly<Record<string, number | null | undefined>>>): Record<string, FoldMetricSummary> {
  const names = [...new Set(foldMetrics.flatMap((m) => Object.keys(m)))].filter((name) => !NOT_SCORES.has(name));
  const summary: Record<string, FoldMetricSummary> = {};
  for (const name of names) {
    const values = foldMetrics.map((m) => {
      const value = m[name];
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    });
    const numbers = values.filter((v): v is number => v !== null);
    if (numbers.length !== values.length || numbers.length === 0) {
      summary[name] = { mean: null, std: null, values };
      continue;
    }
    const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
    const std = numbers.length < 2 ? null : Math.sqrt(numbers.reduce((a, v) => a + (v - mean) ** 2, 0) / (numbers.length - 1));
    summary[name] = { mean, std, values };
  }
  return summary;
}

export type FoldStatistic = 'mean' | 'std';

/** The flat metric name a gate uses for a statistic of a metric over the folds: `cv_<metric>_<mean|std>`. */
export function crossValidationMetricName(metric: string, statistic: FoldStatistic): string {
  return `cv_${metric}_${statistic}`;
}

/** The metric and statistic a `cv_<metric>_<mean|std>` name stands for; undefined for any other name. */
export function parseCrossValidationMetricName(name: string): { metric: string; statistic: FoldStatistic } | undefined {
  const match = /^cv_(.+)_(mean|std)$/.exec(name);
  return match ? { metric: match[1]!, statistic: match[2] as FoldStatistic } : undefined;
}

/** The summary as flat metrics, next to the holdout's: `cv_accuracy_mean`, `cv_accuracy_std`, ... */
export function flatCrossValidationMetrics(summary: Readonly<Record<string, FoldMetricSummary>>): Record<string, number | null> {
  const flat: Record<string, number | null> = {};
  for (const [metric, { mean, std }] of Object.entries(summary)) {
    flat[crossValidationMetricName(metric, 'mean')] = mean;
    flat[crossValidationMetricName(metric, 'std')] = std;
  }
  return flat;
}

/** Only the `cv_*_mean|std` figures of a metric record (a champion's stored ones, to compare a challenger with). */
export function crossValidationMetricsOf(metrics: Readonly<Record<string, number | null>>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(metrics).filter(([name]) => parseCrossValidationMetricName(name) !== undefined));
}

// The drift reference: per-feature histograms and the prediction mix of a model's training
// data, against which live traffic is later compared. The bin rules here are shared with the
// edge's drift sketches, so both sides must bin a value identically.
import { z } from 'zod';
import { argmax } from '../evaluation/classification-metrics';
import type { DatasetSpec } from '../data/dataset-spec';

const count = z.number().int().nonnegative();

const numericFeatureProfileSchema = z
  .object({
    name: z.string().min(1),
    kind: z.literal('numeric'),
    /** Rows with no value (NaN in the feature matrix); not in counts. */
    nulls: count,
    /** Inner cut points, strictly ascending; bins are (-inf, e0], (e0, e1], ..., (e_last, +inf). */
    edges: z.array(z.number()),
    /** Rows per bin: edges.length + 1 entries. */
    counts: z.array(count),
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    /** Population standard deviation (numpy's default ddof=0). */
    std: z.number().nonnegative(),
  })
  .refine((f) => f.counts.length === f.edges.length + 1, { message: 'counts must have one more entry than edges' })
  .refine((f) => f.edges.every((e, i) => i === 0 || e > f.edges[i - 1]!), { message: 'edges must be strictly ascending' });

const categoricalFeatureProfileSchema = z
  .object({
    name: z.string().min(1),
    kind: z.literal('categorical'),
    nulls: count,
    categories: z.array(z.string()).min(1),
    /** Rows per category, in categories order. */
    counts: z.array(count),
  })
  .refine((f) => f.counts.length === f.categories.length, { message: 'counts must have one entry per category' });

export const featureProfileSchema = z.discriminatedUnion('kind', [numericFeatureProfileSchema, categoricalFeatureProfileSchema]);

export const referenceProfileSchema = z
  .object({
    version: z.literal(1),
    rowCount: count,
    features: z.array(featureProfileSchema),
    prediction: z.object({
      classes: z.array(z.string()).min(2),
      /** Rows whose most probable class is each class. */
      counts: z.array(count),
      meanProbabilities: z.array(z.number()),
    }),
  })
  .superRefine((profile, ctx) => {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    profile.features.forEach((feature, i) => {
      if (sum(feature.counts) + feature.nulls !== profile.rowCount) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'counts'], message: 'counts plus nulls must equal rowCount' });
      }
    });
    const { classes, counts, meanProbabilities } = profile.prediction;
    if (counts.length !== classes.length || meanProbabilities.length !== classes.length) {
      ctx.addIssue({ code: 'custom', path: ['prediction'], message: 'counts and meanProbabilities need one entry per class' });
    } else if (sum(counts) !== profile.rowCount) {
      ctx.addIssue({ code: 'custom', path: ['prediction', 'counts'], message: 'prediction counts must sum to rowCount' });
    }
  });

export type FeatureProfile = z.infer<typeof featureProfileSchema>;
export type NumericFeatureProfile = z.infer<typeof numericFeatureProfileSchema>;
export type CategoricalFeatureProfile = z.infer<typeof categoricalFeatureProfileSchema>;
export type ReferenceProfile = z.infer<typeof referenceProfileSchema>;

export type ReferenceProfileInput = {
  spec: DatasetSpec;
  /** Rows as toFeatureMatrix encodes them: spec feature order, categories as indices, nulls as NaN. */
  features: readonly (readonly number[])[];
  /** The model's class probabilities for the same rows. */
  predictions: readonly (readonly number[])[];
  /** Quantile bins per numeric feature before duplicate edges merge; 10 gives deciles. */
  bins?: number;
};

/**
 * Bin of a value under right-closed bins: the index of the first edge >= value, or
 * edges.length when the value is above every edge. A value equal to an edge falls in the
 * bin that edge closes. -Infinity goes to bin 0 and +Infinity to the last; NaN is refused,
 * since a missing value belongs to no bin.
 */
export function binIndex(edges: readonly number[], value: number): number {
  if (Number.isNaN(value)) throw new RangeError('cannot bin NaN; count missing values separately');
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts per bin (edges.length + 1 of them) under binIndex's rules; NaN values are skipped. */
export function histogram(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) if (!Number.isNaN(value)) counts[binIndex(edges, value)]!++;
  return counts;
}

/**
 * The q-quantile of ascending values by numpy's default 'linear' method, including numpy's
 * way of interpolating (from the upper neighbour when past halfway) so results agree to the bit.
 */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const t = position - below;
  const a = sorted[below]!;
  const b = sorted[above]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Inner edges for `bins` quantile bins: the k/bins quantiles for k = 1..bins-1, keeping only
 * those strictly above the previous kept edge and strictly below the maximum. Dropping edges
 * at the maximum keeps the top bin from being empty in the reference, and makes a constant
 * column a single bin with no edges.
 */
export function quantileEdges(sorted: readonly number[], bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const max = sorted[sorted.length - 1]!;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = quantileOfSorted(sorted, k / bins);
    if (edge < max && (edges.length === 0 || edge > edges[edges.length - 1]!)) edges.push(edge);
  }
  return edges;
}

function numericProfile(name: string, column: number[], bins: number): NumericFeatureProfile {
  const values = column.filter((v) => !Number.isNaN(v));
  if (values.length === 0) throw new RangeError(`feature ${name} has no values to profile; every row is null`);
  const sorted = values.slice().sort((a, b) => a - b);
  const edges = quantileEdges(sorted, bins);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length;
  return {
    name,
    kind: 'numeric',
    nulls: column.length - values.length,
    edges,
    counts: histogram(edges, values),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean,
    std: Math.sqrt(variance),
  };
}

function categoricalProfile(name: string, categories: string[], column: number[]): CategoricalFeatureProfile {
  const counts = new Array<number>(categories.length).fill(0);
  let nulls = 0;
  column.forEach((value, row) => {
    if (Number.isNaN(value)) nulls++;
    else if (Number.isInteger(value) && value >= 0 && value < categories.length) counts[value]!++;
    else throw new RangeError(`feature ${name}, row ${row}: ${value} is not a category index in 0..${categories.length - 1}`);
  });
  return { name, kind: 'categorical', nulls, categories: categories.slice(), counts };
}

/** Profiles training rows and the model's predictions on them as the drift reference. */
export function buildReferenceProfile({ spec, features, predictions, bins = 10 }: ReferenceProfileInput): ReferenceProfile {
  const rowCount = features.length;
  const classes = spec.target.classes;
  if (rowCount === 0) throw new RangeError('cannot build a reference profile from no rows');
  if (predictions.length !== rowCount) throw new RangeError(`${rowCount} feature rows but ${predictions.length} prediction rows`);
  features.forEach((row, i) => {
    if (row.length !== spec.features.length) {
      throw new RangeError(`feature row ${i} has ${row.length} values, the spec has ${spec.features.length} features`);
    }
  });
  predictions.forEach((row, i) => {
    if (row.length !== classes.length) throw new RangeError(`prediction row ${i} has ${row.length} probabilities, the spec has ${classes.length} classes`);
  });

  const featureProfiles = spec.features.map((column, f): FeatureProfile => {
    const values = features.map((row) => row[f]!);
    return column.type === 'categorical'
      ? categoricalProfile(column.name, column.categories, values)
      : numericProfile(column.name, values, bins);
  });

  const counts = new Array<number>(classes.length).fill(0);
  const sums = new Array<number>(classes.length).fill(0);
  for (const row of predictions) {
    counts[argmax(row)]!++;
    row.forEach((p, c) => (sums[c]! += p));
  }

  return {
    version: 1,
    rowCount,
    features: featureProfiles,
    prediction: { classes: classes.slice(), counts, meanProbabilities: sums.map((s) => s / rowCount) },
  };
}

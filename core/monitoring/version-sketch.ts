// What the edge records per model version and time window: request and error counts, latency, and
// live histograms on the reference profile's bins, so drift can be computed from merged windows.
import { z } from 'zod';
import type { DriftCurrent } from './drift-report';
import { emptyLatencySketch, latencySketchSchema, mergeLatency, recordLatency } from './latency-sketch';
import { binIndex, type ReferenceProfile } from './reference-profile';

const count = z.number().int().nonnegative();

export const versionSketchSchema = z.object({
  requests: count,
  /** Requests that failed after their inputs were read (inference errors), counted in requests. */
  errors: count,
  /** Feature rows seen; a request may carry a batch of several. */
  rows: count,
  latency: latencySketchSchema,
  /**
   * Per profile feature, counts on the profile's bins (numeric) or categories (categorical), then
   * one trailing slot for values no bin takes: NaN, or for a categorical a value that is not a
   * category index. Kept apart so the drift statistics see only comparable values, while a rise
   * in missing or unknown inputs stays visible.
   */
  features: z.record(z.string(), z.array(count)),
  /** Rows per predicted class, in the profile's class order. */
  predictions: z.array(count),
});

export type VersionSketch = z.infer<typeof versionSketchSchema>;

export type InferenceRecord = {
  /** Wall time of the whole request, in ms. */
  latencyMs: number;
  /** Feature rows in the dataset spec's order, categoricals as category indices. */
  rows: readonly (readonly number[])[];
  /** The model's predicted class index per row; may be empty when the request failed. */
  predictedClasses: readonly number[];
  error?: boolean;
};

export function emptyVersionSketch(profile: ReferenceProfile): VersionSketch {
  const features: Record<string, number[]> = {};
  for (const feature of profile.features) features[feature.name] = new Array<number>(feature.counts.length + 1).fill(0);
  return {
    requests: 0,
    errors: 0,
    rows: 0,
    latency: emptyLatencySketch(),
    features,
    predictions: new Array<number>(profile.prediction.classes.length).fill(0),
  };
}

/**
 * Adds one request to the sketch in place: one binary search per numeric value and no allocation
 * per value. Everything is checked before anything is counted, so a malformed request (a row of the
 * wrong length, a class index the profile lacks, a sketch for another profile) throws and leaves
 * the sketch as it was. The sketch must come from emptyVersionSketch(profile) or a merge of those.
 */
export function recordInference(sketch: VersionSketch, profile: ReferenceProfile, record: InferenceRecord): void {
  const { rows, predictedClasses } = record;
  const width = profile.features.length;
  for (let r = 0; r < rows.length; r++) {
    if (rows[r]!.length !== width) throw new RangeError(`row ${r} has ${rows[r]!.length} values, the profile has ${width} features`);
  }
  const classes = sketch.predictions.length;
  if (classes !== profile.prediction.classes.length) throw new RangeError('the sketch was not made for this profile: class counts differ');
  for (const c of predictedClasses) {
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) throw new RangeError(`predicted class ${c} is not a class index in 0..${classes - 1}`);
  }
  const slots = profile.features.map((feature) => {
    const counts = sketch.features[feature.name];
    if (counts === undefined || counts.length !== feature.counts.length + 1) {
      throw new RangeError(`the sketch was not made for this profile: feature ${feature.name} has no matching histogram`);
    }
    return counts;
  });
  if (!(record.latencyMs >= 0 && record.latencyMs < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`latency must be finite and non-negative, got ${record.latencyMs}`);
  }

  sketch.requests++;
  if (record.error) sketch.errors++;
  recordLatency(sketch.latency, record.latencyMs);
  sketch.rows += rows.length;
  for (let f = 0; f < width; f++) {
    const feature = profile.features[f]!;
    const counts = slots[f]!;
    const unbinned = counts.length - 1;
    if (feature.kind === 'numeric') {
      const edges = feature.edges;
      for (let r = 0; r < rows.length; r++) {
        const value = rows[r]![f]!;
        counts[Number.isNaN(value) ? unbinned : binIndex(edges, value)]!++;
      }
    } else {
      for (let r = 0; r < rows.length; r++) {
        const value = rows[r]![f]!;
        counts[Number.isInteger(value) && value >= 0 && value < unbinned ? value : unbinned]!++;
      }
    }
  }
  for (const c of predictedClasses) sketch.predictions[c]!++;
}

function addCounts(name: string, a: readonly number[], b: readonly number[] | undefined): number[] {
  if (b === undefined || a.length !== b.length) throw new RangeError(`cannot merge sketches of different profiles: ${name} differs`);
  return a.map((n, i) => n + b[i]!);
}

/** A new sketch holding both windows or replicas, as if recorded into one. Both must share a profile. */
export function mergeVersionSketches(a: VersionSketch, b: VersionSketch): VersionSketch {
  const names = Object.keys(a.features);
  if (names.length !== Object.keys(b.features).length) throw new RangeError('cannot merge sketches of different profiles: features differ');
  const features: Record<string, number[]> = {};
  for (const name of names) features[name] = addCounts(`feature ${name}`, a.features[name]!, b.features[name]);
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    rows: a.rows + b.rows,
    latency: mergeLatency(a.latency, b.latency),
    features,
    predictions: addCounts('predictions', a.predictions, b.predictions),
  };
}

/** Unbinned values (NaN or unknown category) the sketch holds for a feature. */
export function unbinnedCount(sketch: VersionSketch, feature: string): number {
  const counts = sketch.features[feature];
  if (counts === undefined) throw new RangeError(`the sketch has no feature ${feature}`);
  return counts[counts.length - 1]!;
}

/** The sketch's counts as computeDrift takes them: the bins without the trailing unbinned slot. */
export function driftCurrentOf(sketch: VersionSketch): DriftCurrent {
  const features: Record<string, number[]> = {};
  for (const [name, counts] of Object.entries(sketch.features)) features[name] = counts.slice(0, -1);
  return { features, prediction: sketch.predictions.slice() };
}

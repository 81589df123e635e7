// A mergeable latency histogram with log-sized buckets (DDSketch's layout, fixed): quantiles within
// 2% relative error, stored as JSON in an edge row and summed across minutes and replicas.
import { z } from 'zod';

/** Ratio between consecutive bucket bounds. */
export const LATENCY_GAMMA = 1.04;
/** Lower bound of bucket 0; faster requests land in the underflow bucket. */
export const LATENCY_MIN_MS = 0.01;
/** Requests at or above this land in the overflow bucket. */
export const LATENCY_MAX_MS = 60_000;
/** Regular buckets: bucket i covers [MIN * GAMMA^i, MIN * GAMMA^(i+1)), the last one cut at MAX (398 of them). */
export const LATENCY_BUCKETS = Math.ceil(Math.log(LATENCY_MAX_MS / LATENCY_MIN_MS) / Math.log(LATENCY_GAMMA));
/**
 * Largest relative error of a quantile between MIN and MAX, (gamma - 1) / (gamma + 1) ~ 1.96%:
 * each bucket answers with the point whose relative distance to both of its bounds is equal.
 */
export const LATENCY_RELATIVE_ACCURACY = (LATENCY_GAMMA - 1) / (LATENCY_GAMMA + 1);

const INVERSE_LOG_GAMMA = 1 / Math.log(LATENCY_GAMMA);

const count = z.number().int().nonnegative();

export const latencySketchSchema = z
  .object({
    /** The bucket layout; a different gamma or range would be a new version, never merged with this one. */
    version: z.literal(1),
    count,
    /** Sum of all latencies in ms, for the mean. */
    sum: z.number().nonnegative(),
    /** Exact extremes; null while the sketch is empty. */
    min: z.number().nonnegative().nullable(),
    max: z.number().nonnegative().nullable(),
    /** Latencies below LATENCY_MIN_MS. */
    underflow: count,
    /** Latencies at or above LATENCY_MAX_MS. */
    overflow: count,
    /** Bucket index (as a JSON key) to count; absent buckets are empty. */
    buckets: z.record(z.string().regex(/^\d+$/), count),
  })
  .refine((s) => Object.keys(s.buckets).every((k) => Number(k) < LATENCY_BUCKETS), {
    message: `bucket indices must be below ${LATENCY_BUCKETS}`,
  })
  .refine((s) => s.underflow + s.overflow + Object.values(s.buckets).reduce((a, b) => a + b, 0) === s.count, {
    message: 'count must equal the sum of the buckets',
  })
  .refine((s) => (s.count === 0) === (s.min === null && s.max === null), { message: 'min and max are null exactly when empty' });

export type LatencySketch = z.infer<typeof latencySketchSchema>;

export function emptyLatencySketch(): LatencySketch {
  return { version: 1, count: 0, sum: 0, min: null, max: null, underflow: 0, overflow: 0, buckets: {} };
}

/** The regular bucket holding ms, for LATENCY_MIN_MS <= ms < LATENCY_MAX_MS. */
function bucketOf(ms: number): number {
  const index = Math.floor(Math.log(ms / LATENCY_MIN_MS) * INVERSE_LOG_GAMMA);
  // Rounding in the logarithm can put a value on a bound one bucket off; clamp to the layout.
  return Math.min(Math.max(index, 0), LATENCY_BUCKETS - 1);
}

/**
 * Adds one latency to the sketch in place (the edge records per request, so no copy). Refuses
 * negative or non-finite latencies, which only a broken clock or caller would produce.
 */
export function recordLatency(sketch: LatencySketch, ms: number): void {
  if (!(ms >= 0 && ms < Number.POSITIVE_INFINITY)) throw new RangeError(`latency must be finite and non-negative, got ${ms}`);
  if (ms < LATENCY_MIN_MS) sketch.underflow++;
  else if (ms >= LATENCY_MAX_MS) sketch.overflow++;
  else {
    const bucket = bucketOf(ms);
    sketch.buckets[bucket] = (sketch.buckets[bucket] ?? 0) + 1;
  }
  sketch.count++;
  sketch.sum += ms;
  if (sketch.min === null || ms < sketch.min) sketch.min = ms;
  if (sketch.max === null || ms > sketch.max) sketch.max = ms;
}

/** A new sketch holding both inputs' latencies, as if recorded into one. */
export function mergeLatency(a: LatencySketch, b: LatencySketch): LatencySketch {
  const buckets: Record<string, number> = { ...a.buckets };
  for (const [key, n] of Object.entries(b.buckets)) buckets[key] = (buckets[key] ?? 0) + n;
  const extreme = (x: number | null, y: number | null, pick: (p: number, q: number) => number) =>
    x === null ? y : y === null ? x : pick(x, y);
  return {
    version: 1,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: extreme(a.min, b.min, Math.min),
    max: extreme(a.max, b.max, Math.max),
    underflow: a.underflow + b.underflow,
    overflow: a.overflow + b.overflow,
    buckets,
  };
}

export function latencyCount(sketch: LatencySketch): number {
  return sketch.count;
}

/** Mean latency in ms (exact, from the running sum); null when empty. */
export function latencyMean(sketch: LatencySketch): number | null {
  return sketch.count === 0 ? null : sketch.sum / sketch.count;
}

/** The point of bucket i at equal relative distance from both of its bounds. */
function representative(bucket: number): number {
  return (2 * LATENCY_MIN_MS * LATENCY_GAMMA ** (bucket + 1)) / (LATENCY_GAMMA + 1);
}

/**
 * Estimates the latency of rank floor(q (count - 1)) in ascending order (numpy's 'lower'
 * quantile), as its bucket's representative clamped to the exact [min, max]; the first and last
 * ranks answer the exact min and max. The estimate is within
 * LATENCY_RELATIVE_ACCURACY of the true value between LATENCY_MIN_MS and LATENCY_MAX_MS. Below,
 * the underflow bucket answers with the exact minimum (off by under 0.01 ms); above, the
 * overflow bucket answers with the exact maximum (only "at least 60 s" is known there).
 */
export function latencyQuantile(sketch: LatencySketch, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  if (sketch.count === 0 || sketch.min === null || sketch.max === null) throw new RangeError('quantile of an empty latency sketch');
  const rank = Math.floor(q * (sketch.count - 1));
  if (rank === 0) return sketch.min;
  if (rank === sketch.count - 1) return sketch.max;
  let seen = sketch.underflow;
  if (rank < seen) return sketch.min;
  const keys = Object.keys(sketch.buckets)
    .map(Number)
    .sort((x, y) => x - y);
  for (const key of keys) {
    seen += sketch.buckets[key]!;
    if (rank < seen) return Math.min(Math.max(representative(key), sketch.min), sketch.max);
  }
  return sketch.max;
}

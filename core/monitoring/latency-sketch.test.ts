import { describe, expect, it } from 'vitest';
import {
  LATENCY_BUCKETS,
  LATENCY_MAX_MS,
  LATENCY_MIN_MS,
  LATENCY_RELATIVE_ACCURACY,
  emptyLatencySketch,
  latencyCount,
  latencyMean,
  latencyQuantile,
  latencySketchSchema,
  mergeLatency,
  recordLatency,
  type LatencySketch,
} from './latency-sketch';
import { mulberry32, type Random } from '../statistics/seeded-random';

/** Log-normal latencies around `median` ms (Box-Muller from the seeded generator). */
function latencies(random: Random, n: number, median: number, sigma: number): number[] {
  return Array.from({ length: n }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return median * Math.exp(sigma * normal);
  });
}

function sketchOf(values: readonly number[]): LatencySketch {
  const sketch = emptyLatencySketch();
  for (const v of values) recordLatency(sketch, v);
  return sketch;
}

/** The exact value latencyQuantile estimates: rank floor(q (n - 1)) of the sorted values. */
function exactLower(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const quantiles = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe('latency sketch', () => {
  it('has 398 buckets of 4% from 0.01 ms to 60 s, so quantiles are within 1.96%', () => {
    expect(LATENCY_BUCKETS).toBe(398);
    expect(LATENCY_MIN_MS * 1.04 ** LATENCY_BUCKETS).toBeGreaterThanOrEqual(LATENCY_MAX_MS);
    expect(LATENCY_RELATIVE_ACCURACY).toBeCloseTo(0.04 / 2.04, 12);
  });

  it('keeps every quantile within the relative error bound on skewed latencies', () => {
    const random = mulberry32(7);
    for (const [median, sigma] of [
      [12, 0.6],
      [0.4, 1.5],
      [800, 1.2],
    ] as const) {
      const values = latencies(random, 20_000, median, sigma).filter((v) => v >= LATENCY_MIN_MS && v < LATENCY_MAX_MS);
      const sketch = sketchOf(values);
      expect(latencyCount(sketch)).toBe(values.length);
      for (const q of quantiles) {
        const exact = exactLower(values, q);
        const relativeError = Math.abs(latencyQuantile(sketch, q) - exact) / exact;
        expect(relativeError).toBeLessThanOrEqual(LATENCY_RELATIVE_ACCURACY * (1 + 1e-9));
      }
    }
  });

  it('answers the exact extremes at q = 0 and q = 1', () => {
    const values = latencies(mulberry32(3), 500, 20, 0.8);
    const sketch = sketchOf(values);
    expect(latencyQuantile(sketch, 0)).toBe(Math.min(...values));
    expect(latencyQuantile(sketch, 1)).toBe(Math.max(...values));
    expect(latencyMean(sketch)).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
  });

  it('merges to the sketch of all the values, across minutes and replicas', () => {
    const random = mulberry32(11);
    const a = latencies(random, 3000, 15, 0.7);
    const b = latencies(random, 1000, 90, 0.4);
    const merged = mergeLatency(sketchOf(a), sketchOf(b));
    const whole = sketchOf([...a, ...b]);
    expect(merged.buckets).toEqual(whole.buckets);
    expect({ ...merged, sum: 0 }).toEqual({ ...whole, sum: 0 });
    expect(merged.sum).toBeCloseTo(whole.sum, 6);
    for (const q of quantiles) expect(latencyQuantile(merged, q)).toBe(latencyQuantile(whole, q));
    expect(mergeLatency(emptyLatencySketch(), whole)).toEqual(whole);
  });

  it('survives a JSON round trip and keeps recording afterwards', () => {
    const sketch = sketchOf(latencies(mulberry32(5), 200, 30, 1));
    const stored = latencySketchSchema.parse(JSON.parse(JSON.stringify(sketch)));
    expect(stored).toEqual(sketch);
    recordLatency(stored, 42);
    recordLatency(sketch, 42);
    expect(stored).toEqual(sketch);
    expect(latencySketchSchema.parse(JSON.parse(JSON.stringify(emptyLatencySketch())))).toEqual(emptyLatencySketch());
  });

  it('sends sub-0.01 ms latencies to underflow and 60 s or more to overflow', () => {
    const sketch = sketchOf([0, 0.004, 5, 60_000, 90_000]);
    expect(sketch.underflow).toBe(2);
    expect(sketch.overflow).toBe(2);
    expect(latencyQuantile(sketch, 0.25)).toBe(0);
    expect(latencyQuantile(sketch, 0.5)).toBeCloseTo(5, 0);
    expect(latencyQuantile(sketch, 0.75)).toBe(90_000);
  });

  it('refuses bad latencies, bad quantiles and empty sketches', () => {
    const sketch = emptyLatencySketch();
    expect(() => recordLatency(sketch, -1)).toThrow(RangeError);
    expect(() => recordLatency(sketch, Number.NaN)).toThrow(RangeError);
    expect(() => recordLatency(sketch, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(sketch).toEqual(emptyLatencySketch());
    expect(() => latencyQuantile(sketch, 0.5)).toThrow(RangeError);
    recordLatency(sketch, 1);
    expect(() => latencyQuantile(sketch, 1.5)).toThrow(RangeError);
    expect(latencyMean(emptyLatencySketch())).toBeNull();
  });

  it('rejects stored sketches whose count disagrees with their buckets', () => {
    const sketch = sketchOf([1, 2, 3]);
    expect(latencySketchSchema.safeParse({ ...sketch, count: 4 }).success).toBe(false);
    expect(latencySketchSchema.safeParse({ ...sketch, buckets: { ...sketch.buckets, 398: 0 } }).success).toBe(false);
  });
});

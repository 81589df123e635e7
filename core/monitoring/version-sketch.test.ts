import { describe, expect, it } from 'vitest';
import { computeDrift } from './drift-report';
import { latencyCount, latencyQuantile } from './latency-sketch';
import { histogram, type ReferenceProfile } from './reference-profile';
import { mulberry32 } from '../statistics/seeded-random';
import {
  driftCurrentOf,
  emptyVersionSketch,
  mergeVersionSketches,
  recordInference,
  unbinnedCount,
  versionSketchSchema,
  type VersionSketch,
} from './version-sketch';

const profile: ReferenceProfile = {
  version: 1,
  rowCount: 400,
  features: [
    { name: 'x', kind: 'numeric', nulls: 0, edges: [1, 2, 3], counts: [100, 100, 100, 100], min: 0, max: 4, mean: 2, std: 1.1 },
    { name: 'c', kind: 'categorical', nulls: 0, categories: ['a', 'b', 'c'], counts: [200, 120, 80] },
  ],
  prediction: { classes: ['no', 'yes'], counts: [300, 100], meanProbabilities: [0.7, 0.3] },
};

/** Requests of 1 to 4 rows with x uniform on [0, 4.5) and c a category index. */
function requests(seed: number, n: number) {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const rows = Array.from({ length: 1 + Math.floor(random() * 4) }, () => [random() * 4.5, Math.floor(random() * 3)]);
    return { latencyMs: 1 + random() * 50, rows, predictedClasses: rows.map((row) => (row[0]! > 3 ? 1 : 0)), error: random() < 0.05 };
  });
}

function sketchOf(reqs: ReturnType<typeof requests>): VersionSketch {
  const sketch = emptyVersionSketch(profile);
  for (const request of reqs) recordInference(sketch, profile, request);
  return sketch;
}

describe('version sketch', () => {
  it('starts empty with a histogram per feature plus an unbinned slot', () => {
    const sketch = emptyVersionSketch(profile);
    expect(sketch).toMatchObject({ requests: 0, errors: 0, rows: 0, features: { x: [0, 0, 0, 0, 0], c: [0, 0, 0, 0] }, predictions: [0, 0] });
    expect(latencyCount(sketch.latency)).toBe(0);
  });

  it('counts rows on the profile bins, as histogram does', () => {
    const reqs = requests(1, 300);
    const sketch = sketchOf(reqs);
    const allRows = reqs.flatMap((r) => r.rows);
    expect(sketch.requests).toBe(300);
    expect(sketch.rows).toBe(allRows.length);
    expect(sketch.errors).toBe(reqs.filter((r) => r.error).length);
    expect(sketch.features.x).toEqual([...histogram([1, 2, 3], allRows.map((row) => row[0]!)), 0]);
    expect(sketch.features.c).toEqual([0, 1, 2].map((c) => allRows.filter((row) => row[1] === c).length).concat(0));
    expect(sketch.predictions).toEqual([allRows.filter((row) => row[0]! <= 3).length, allRows.filter((row) => row[0]! > 3).length]);
    expect(latencyCount(sketch.latency)).toBe(300);
  });

  it('puts right-closed edge values in the bin below and unbinnable values in the trailing slot', () => {
    const sketch = emptyVersionSketch(profile);
    recordInference(sketch, profile, {
      latencyMs: 3,
      rows: [
        [1, 0],
        [3, 2],
        [Number.NaN, Number.NaN],
        [-5, 3],
        [99, 1.5],
      ],
      predictedClasses: [0, 1, 1, 0, 0],
    });
    expect(sketch.features).toEqual({ x: [2, 0, 1, 1, 1], c: [1, 0, 1, 3] });
    expect(unbinnedCount(sketch, 'x')).toBe(1);
    expect(unbinnedCount(sketch, 'c')).toBe(3);
  });

  it('refuses a malformed request without counting any of it', () => {
    const sketch = sketchOf(requests(2, 10));
    const before = JSON.parse(JSON.stringify(sketch)) as VersionSketch;
    expect(() => recordInference(sketch, profile, { latencyMs: 1, rows: [[1, 0], [2]], predictedClasses: [0, 0] })).toThrow(RangeError);
    expect(() => recordInference(sketch, profile, { latencyMs: 1, rows: [[1, 0]], predictedClasses: [2] })).toThrow(RangeError);
    expect(() => recordInference(sketch, profile, { latencyMs: -1, rows: [[1, 0]], predictedClasses: [0] })).toThrow(RangeError);
    const other = { ...profile, features: [profile.features[0]!, { ...profile.features[1]!, name: 'd' }] } as ReferenceProfile;
    expect(() => recordInference(sketch, other, { latencyMs: 1, rows: [[1, 0]], predictedClasses: [0] })).toThrow(/not made for this profile/);
    expect(sketch).toEqual(before);
  });

  it('records a failed request with no predictions', () => {
    const sketch = emptyVersionSketch(profile);
    recordInference(sketch, profile, { latencyMs: 8, rows: [[1.5, 1]], predictedClasses: [], error: true });
    expect(sketch).toMatchObject({ requests: 1, errors: 1, rows: 1, predictions: [0, 0] });
  });

  it('merges windows and replicas into the sketch of all their requests', () => {
    const first = requests(3, 200);
    const second = requests(4, 150);
    const merged = mergeVersionSketches(sketchOf(first), sketchOf(second));
    const whole = sketchOf([...first, ...second]);
    expect({ ...merged, latency: null }).toEqual({ ...whole, latency: null });
    expect(merged.latency.buckets).toEqual(whole.latency.buckets);
    expect(latencyQuantile(merged.latency, 0.99)).toBe(latencyQuantile(whole.latency, 0.99));
    expect(() => mergeVersionSketches(merged, { ...merged, predictions: [1, 2, 3] })).toThrow(RangeError);
    expect(() => mergeVersionSketches(merged, { ...merged, features: { x: merged.features.x!, d: merged.features.c! } })).toThrow(RangeError);
  });

  it('stores as JSON and feeds computeDrift without the unbinned slot', () => {
    const sketch = sketchOf(requests(5, 100));
    recordInference(sketch, profile, { latencyMs: 2, rows: [[Number.NaN, 7]], predictedClasses: [0] });
    const stored = versionSketchSchema.parse(JSON.parse(JSON.stringify(sketch)));
    expect(stored).toEqual(sketch);
    const current = driftCurrentOf(stored);
    expect(current.features.x).toEqual(stored.features.x!.slice(0, 4));
    expect(current.features.c).toEqual(stored.features.c!.slice(0, 3));
    const report = computeDrift({ profile, current });
    expect(report.sampleSize).toBe(stored.rows);
    expect(report.features[0]!.sampleSize).toBe(stored.rows - 1);
    expect(report.features.map((f) => f.name)).toEqual(['x', 'c']);
  });
});

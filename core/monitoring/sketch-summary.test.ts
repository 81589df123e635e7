import { expect, it } from 'vitest';
import { emptyVersionSketch, recordInference } from './version-sketch';
import { summarizeSketch } from './sketch-summary';
import type { ReferenceProfile } from './reference-profile';

const profile: ReferenceProfile = {
  version: 1,
  rowCount: 4,
  features: [{ name: 'x', kind: 'numeric', edges: [1, 2], counts: [1, 2, 1], nulls: 0, min: 0, max: 3, mean: 1.5, std: 1 }],
  prediction: { classes: ['a', 'b'], counts: [2, 2], meanProbabilities: [0.5, 0.5] },
} as ReferenceProfile;

it('summarises counts, error rate, latency and the class mix', () => {
  const sketch = emptyVersionSketch(profile);
  for (let i = 1; i <= 100; i++) recordInference(sketch, profile, { latencyMs: i, rows: [[i % 3]], predictedClasses: [i % 2], error: i % 10 === 0 });
  const summary = summarizeSketch(sketch);
  expect(summary).toMatchObject({ requests: 100, errors: 10, errorRate: 0.1, rows: 100, predictions: [50, 50] });
  // Within the sketch's 2% relative accuracy of the exact order statistics.
  expect(summary.latencyMs!.p50).toBeGreaterThan(50 * 0.97);
  expect(summary.latencyMs!.p50).toBeLessThan(51 * 1.03);
  expect(summary.latencyMs!.p99).toBeGreaterThan(99 * 0.97);
  expect(summary.latencyMs!.mean).toBeCloseTo(50.5, 9);
  expect(summary.latencyMs!.max).toBe(100);
});

it('has no latency and no error rate when empty', () => {
  expect(summarizeSketch(emptyVersionSketch(profile))).toMatchObject({ requests: 0, errorRate: null, latencyMs: null });
});

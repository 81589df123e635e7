// What a person (or a canary analysis) reads from a version's merged sketch: counts, error rate,
// latency percentiles and the predicted-class mix.
import { latencyMean, latencyQuantile } from './latency-sketch';
import type { VersionSketch } from './version-sketch';

export interface SketchSummary {
  requests: number;
  errors: number;
  errorRate: number | null;
  rows: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number } | null;
  predictions: number[];
}

export function summarizeSketch(sketch: VersionSketch): SketchSummary {
  const hasLatency = sketch.latency.count > 0;
  return {
    requests: sketch.requests,
    errors: sketch.errors,
    errorRate: sketch.requests === 0 ? null : sketch.errors / sketch.requests,
    rows: sketch.rows,
    latencyMs: hasLatency
      ? {
          p50: latencyQuantile(sketch.latency, 0.5),
          p95: latencyQuantile(sketch.latency, 0.95),
          p99: latencyQuantile(sketch.latency, 0.99),
          mean: latencyMean(sketch.latency)!,
          max: sketch.latency.max!,
        }
      : null,
    predictions: sketch.predictions.slice(),
  };
}

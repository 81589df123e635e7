// Stub activities for the edge side of canaryRollout: traffic weights per model that the rollout sets
// step by step (a step older than the current one is refused, as the serving store does), and the
// bake window's sketches, which a test scripts per model with sketches built by the edge's own code.
import type { TrafficState } from '../../../activities/edge-activities';
import { emptyLatencySketch, recordLatency } from '../../../core/monitoring/latency-sketch';
import type { VersionSketch } from '../../../core/monitoring/version-sketch';
import type { LabelledAccuracy } from '../../../core/rollout/canary-decision';
import type { StubActivities } from './stub-worker';

/** One version's sketch over a bake window: `requests` at `latencyMs` each, `errors` of them failed. */
export function versionSketch(options: { requests: number; errors?: number; latencyMs?: number; predictions?: number[] }): VersionSketch {
  const latency = emptyLatencySketch();
  for (let i = 0; i < options.requests; i++) recordLatency(latency, options.latencyMs ?? 2);
  const served = options.requests - (options.errors ?? 0);
  return {
    requests: options.requests,
    errors: options.errors ?? 0,
    rows: served,
    latency,
    features: {},
    predictions: options.predictions ?? [Math.ceil(served / 2), Math.floor(served / 2)],
  };
}

/** Stable and canary alike: enough requests, no errors, the same latency and class mix. */
export function healthyWindow(stable: number, canary: number): Record<string, VersionSketch> {
  return { [stable]: versionSketch({ requests: 400 }), [canary]: versionSketch({ requests: 100 }) };
}

/** The canary fails one request in ten while stable fails none. */
export function failingWindow(stable: number, canary: number): Record<string, VersionSketch> {
  return { [stable]: versionSketch({ requests: 400 }), [canary]: versionSketch({ requests: 100, errors: 10 }) };
}

export interface EdgeStubs {
  stubs: StubActivities;
  /** The edge's traffic per model; a test puts the stable version there before a rollout. */
  traffic: Map<string, TrafficState>;
  /** What readEdgeSketches returns per model; a model without one has served nothing. */
  windows: Map<string, Record<string, VersionSketch>>;
  /** What readEdgeAccuracy returns per model (live accuracy from ground truth); absent: no labels yet. */
  accuracies: Map<string, Record<string, LabelledAccuracy>>;
}

export function edgeStubs(): EdgeStubs {
  const traffic: EdgeStubs['traffic'] = new Map();
  const windows: EdgeStubs['windows'] = new Map();
  const accuracies: EdgeStubs['accuracies'] = new Map();
  const stubs = {
    async publishToEdge() {
      return { published: 'created' as const };
    },

    async getEdgeTraffic(input) {
      return traffic.get(input.model) ?? null;
    },

    async setEdgeWeights(input) {
      const appliedAt = new Date().toISOString();
      const current = traffic.get(input.model);
      // As the serving store: only a step past the current one applies, or the same step as an identical retry.
      const retry = current?.step === input.step && JSON.stringify(current.weights) === JSON.stringify(input.weights);
      if (current && current.step >= input.step && !retry) return { applied: false, current, appliedAt };
      const next = { weights: input.weights, step: input.step };
      traffic.set(input.model, next);
      return { applied: true, current: next, appliedAt };
    },

    async readEdgeSketches(input) {
      return { versions: windows.get(input.model) ?? {}, to: new Date().toISOString() };
    },

    async readEdgeAccuracy(input) {
      return { versions: accuracies.get(input.model) ?? {} };
    },
  } satisfies StubActivities;
  return { stubs, traffic, windows, accuracies };
}

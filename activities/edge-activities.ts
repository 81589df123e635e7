// Rollout side effects at the serving side, through its admin routes: publish a version, read and set
// traffic weights (each change carries the rollout step), and read the sketches of a bake window.
import type { VersionSketch } from '../core/monitoring/version-sketch';
import type { LabelledAccuracy } from '../core/rollout/canary-decision';
import { WindsockError } from '../core/windsock-error';
import type { ActivityDeps } from './activity-deps';
import type { EdgeClient } from './edge-client';
import { publishVersion } from './publish-version';

export interface TrafficState {
  weights: Record<string, number>;
  step: number;
}

export function edgeActivities(deps: ActivityDeps) {
  function edge(): EdgeClient {
    if (!deps.edge) throw new WindsockError('unavailable', 'no edge is configured on this worker: set WINDSOCK_EDGE_URL');
    return deps.edge;
  }

  return {
    /** Publishes a registered version (artifact, signature, reference profile) and its model's template. */
    async publishToEdge(input: { model: string; version: number }): Promise<{ published: 'created' | 'unchanged' }> {
      return publishVersion({ registry: deps.registry, blobs: deps.blobs, edge: edge() }, input.model, input.version);
    },

    async getEdgeTraffic(input: { model: string }): Promise<TrafficState | null> {
      return (await edge().getTraffic(input.model)) ?? null;
    },

    /**
     * Sets weights as rollout step `step`. A stale retry (a later step already applied) changes
     * nothing and reports applied: false. Returns the activity's clock so bakes are timed from it.
     */
    async setEdgeWeights(input: { model: string; weights: Record<string, number>; step: number }): Promise<{ applied: boolean; current: TrafficState; appliedAt: string }> {
      try {
        const current = await edge().setTraffic(input.model, input.weights, input.step);
        return { applied: true, current, appliedAt: new Date().toISOString() };
      } catch (err) {
        if (err instanceof WindsockError && err.code === 'conflict') {
          const current = (await edge().getTraffic(input.model))!;
          return { applied: current.step === input.step, current, appliedAt: new Date().toISOString() };
        }
        throw err;
      }
    },

    /** Live accuracy per version over predictions served from `from` until now (ground truth; read after readEdgeSketches flushed). */
    async readEdgeAccuracy(input: { model: string; from: string }): Promise<{ versions: Record<string, LabelledAccuracy> }> {
      const versions = await edge().accuracy(input.model, { from: new Date(input.from), to: new Date() });
      return { versions: Object.fromEntries(Object.entries(versions).map(([v, a]) => [v, { labelled: a.labelled, accuracy: a.accuracy }])) };
    },

    /** The merged sketches per version from `from` until now (after asking the edge to flush). */
    async readEdgeSketches(input: { model: string; from: string }): Promise<{ versions: Record<string, VersionSketch>; to: string }> {
      await edge().flush();
      const to = new Date();
      return { versions: await edge().sketches(input.model, { from: new Date(input.from), to }), to: to.toISOString() };
    },
  };
}

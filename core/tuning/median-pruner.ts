// Median pruning (Optuna's MedianPruner): at epoch s, stop a trial whose best value so far is worse
// than the median of the completed trials' values at s, once enough trials have completed and the
// trial is past its warm-up epochs. Curves are sampled from progress lines and may skip epochs, so a
// completed trial's value at s is its last reported value at or before s.
import type { Direction, PrunerConfig } from './search-space';

export interface CurvePoint {
  epoch: number;
  value: number;
}

/** A curve's value at `step`: the last point at or before it; undefined before its first point or after its last. */
export function valueAt(curve: readonly CurvePoint[], step: number): number | undefined {
  if (curve.length === 0 || step > curve[curve.length - 1]!.epoch) return undefined;
  let found: number | undefined;
  for (const point of curve) {
    if (point.epoch > step) break;
    found = point.value;
  }
  return found;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface PruneInput {
  /** The running trial's curve so far, by increasing epoch. */
  curve: readonly CurvePoint[];
  /** The completed trials' curves. */
  completed: ReadonlyArray<readonly CurvePoint[]>;
  direction: Direction;
  pruner: PrunerConfig;
}

/** Whether the running trial should stop now, and the median it was compared with. */
export function pruneDecision(input: PruneInput): { prune: boolean; step?: number; best?: number; median?: number } {
  const { curve, completed, direction, pruner } = input;
  if (curve.length === 0 || completed.length < pruner.startupTrials) return { prune: false };
  const step = curve[curve.length - 1]!.epoch;
  if (step <= pruner.warmupSteps) return { prune: false, step };
  const values = curve.map((p) => p.value);
  if (values.some((v) => Number.isNaN(v))) return { prune: true, step };
  const best = direction === 'minimize' ? Math.min(...values) : Math.max(...values);
  const at = completed.map((c) => valueAt(c, step)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (at.length === 0) return { prune: false, step, best };
  const m = median(at);
  return { prune: direction === 'minimize' ? best > m : best < m, step, best, median: m };
}

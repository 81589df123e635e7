// What the tuning workflow asks of the core: the params of trial n (seeded by the tuning's seed and
// n, so a replay draws the same), the trial that wins, and curves kept to a bounded length.
import { mulberry32 } from '../statistics/seeded-random';
import type { CurvePoint } from './median-pruner';
import { sampleRandom } from './random-sampler';
import { directionOf, type TrialParams, type TuningConfig } from './search-space';
import { sampleTpe, type Observation } from './tpe-sampler';

/** The most points a trial's curve keeps in the pipeline status; longer curves are thinned. */
export const MAX_CURVE_POINTS = 100;

/** FNV-1a of a string: the default seed of a pipeline's tuning. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Trials the model-based sampler leaves to random search: a quarter of the budget, 2 to 10. */
export function startupTrialsOf(trials: number): number {
  return Math.max(2, Math.min(10, Math.ceil(trials / 4)));
}

export interface FinishedTrial {
  params: TrialParams;
  objective: number;
}

/** Params of trial `n` (1-based) given the trials finished before it was started. */
export function suggestTrialParams(tuning: Pick<TuningConfig, 'space' | 'strategy' | 'objective' | 'direction' | 'trials'>, seed: number, n: number, finished: readonly FinishedTrial[]): TrialParams {
  const random = mulberry32((seed ^ Math.imul(n, 0x9e3779b1)) >>> 0);
  if (tuning.strategy === 'random') return sampleRandom(tuning.space, random);
  const sign = directionOf(tuning) === 'minimize' ? 1 : -1;
  const observations: Observation[] = finished.map((t) => ({ params: t.params, value: sign * t.objective }));
  return sampleTpe(tuning.space, observations, random, { startupTrials: startupTrialsOf(tuning.trials) });
}

/** The index of the best trial among those with a finite objective, or -1. Ties go to the earlier trial. */
export function bestTrialIndex(objectives: ReadonlyArray<number | undefined>, direction: 'minimize' | 'maximize'): number {
  let best = -1;
  for (let i = 0; i < objectives.length; i++) {
    const v = objectives[i];
    if (v === undefined || !Number.isFinite(v)) continue;
    const current = best >= 0 ? objectives[best]! : undefined;
    if (current === undefined || (direction === 'minimize' ? v < current : v > current)) best = i;
  }
  return best;
}

/**
 * Adds a point to a curve kept under `max` points: when full, every other point of the older half
 * goes, so the curve keeps its shape and its newest points (the pruner compares at the newest epoch).
 */
export function appendPoint(curve: CurvePoint[], point: CurvePoint, max = MAX_CURVE_POINTS): CurvePoint[] {
  const last = curve[curve.length - 1];
  if (last && point.epoch <= last.epoch) return curve;
  const next = [...curve, point];
  if (next.length <= max) return next;
  const half = Math.floor(next.length / 2);
  return [...next.slice(0, half).filter((_, i) => i % 2 === 0), ...next.slice(half)];
}

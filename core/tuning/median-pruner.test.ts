import { describe, expect, it } from 'vitest';
import { median, pruneDecision, valueAt, type CurvePoint } from './median-pruner';
import { appendPoint, bestTrialIndex, seedOf } from './trial-plan';

const curve = (values: number[], start = 1): CurvePoint[] => values.map((value, i) => ({ epoch: start + i, value }));
const pruner = { type: 'median' as const, startupTrials: 2, warmupSteps: 2 };

describe('median pruner', () => {
  const completed = [curve([1.0, 0.8, 0.6, 0.5]), curve([1.1, 0.9, 0.7, 0.6]), curve([0.9, 0.7, 0.5, 0.4])];

  it('prunes a trial worse than the median of completed trials at its epoch', () => {
    expect(pruneDecision({ curve: curve([1.2, 1.1, 1.0]), completed, direction: 'minimize', pruner })).toMatchObject({ prune: true, step: 3, best: 1.0, median: 0.6 });
    expect(pruneDecision({ curve: curve([1.2, 1.1, 0.55]), completed, direction: 'minimize', pruner }).prune).toBe(false);
  });

  it('uses the best value so far, not the last', () => {
    // Worse now (0.9) than the median (0.6), but it reached 0.5 earlier.
    expect(pruneDecision({ curve: curve([0.5, 0.7, 0.9]), completed, direction: 'minimize', pruner }).prune).toBe(false);
  });

  it('keeps every trial during warm-up and before enough trials completed', () => {
    expect(pruneDecision({ curve: curve([9, 9]), completed, direction: 'minimize', pruner }).prune).toBe(false);
    expect(pruneDecision({ curve: curve([9, 9, 9, 9]), completed: completed.slice(0, 1), direction: 'minimize', pruner }).prune).toBe(false);
  });

  it('maximizes, and compares only with trials that reached the epoch', () => {
    const acc = [curve([0.5, 0.6, 0.7]), curve([0.6, 0.7, 0.8]), curve([0.4])];
    expect(pruneDecision({ curve: curve([0.3, 0.4, 0.5]), completed: acc, direction: 'maximize', pruner })).toMatchObject({ prune: true, median: 0.75 });
    expect(pruneDecision({ curve: curve([0.3, 0.4, 0.5, 0.6]), completed: acc, direction: 'maximize', pruner }).prune).toBe(false);
  });

  it('carries a sampled curve forward between its points', () => {
    const sparse = [{ epoch: 2, value: 0.9 }, { epoch: 7, value: 0.4 }];
    expect(valueAt(sparse, 1)).toBeUndefined();
    expect(valueAt(sparse, 5)).toBe(0.9);
    expect(valueAt(sparse, 7)).toBe(0.4);
    expect(valueAt(sparse, 8)).toBeUndefined();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('prunes a diverged trial', () => {
    expect(pruneDecision({ curve: curve([1, 1, Number.NaN]), completed, direction: 'minimize', pruner }).prune).toBe(true);
  });
});

describe('trial plan helpers', () => {
  it('picks the best finite objective, the earlier on ties', () => {
    expect(bestTrialIndex([0.5, undefined, 0.3, 0.3, Number.NaN], 'minimize')).toBe(2);
    expect(bestTrialIndex([0.5, 0.9, 0.9], 'maximize')).toBe(1);
    expect(bestTrialIndex([undefined], 'maximize')).toBe(-1);
  });

  it('bounds a curve, keeping its newest points and ignoring repeats', () => {
    let c: CurvePoint[] = [];
    for (let e = 1; e <= 1000; e++) c = appendPoint(c, { epoch: e, value: e }, 50);
    c = appendPoint(c, { epoch: 1000, value: 0 }, 50);
    expect(c.length).toBeLessThanOrEqual(50);
    expect(c[c.length - 1]).toEqual({ epoch: 1000, value: 1000 });
    expect(c.every((p, i) => i === 0 || p.epoch > c[i - 1]!.epoch)).toBe(true);
    expect(seedOf('p-1')).toBe(seedOf('p-1'));
    expect(seedOf('p-1')).not.toBe(seedOf('p-2'));
  });
});

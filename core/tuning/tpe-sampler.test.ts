import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../statistics/seeded-random';
import { inSpace, type SearchSpace, type TrialParams } from './search-space';
import { fitParzen, goodCount, logParzen, normalCdf, sampleTpe } from './tpe-sampler';
import { suggestTrialParams, type FinishedTrial } from './trial-plan';

/** Runs a sequential tuning of `objective` and returns the best value found. */
function tune(space: SearchSpace, objective: (p: TrialParams) => number, strategy: 'random' | 'tpe', seed: number, trials: number): number {
  const finished: FinishedTrial[] = [];
  for (let n = 1; n <= trials; n++) {
    const params = suggestTrialParams({ space, strategy, objective: 'val_loss', trials }, seed, n, finished);
    for (const [name, v] of Object.entries(params)) expect(inSpace(space[name]!, v)).toBe(true);
    finished.push({ params, objective: objective(params) });
  }
  return Math.min(...finished.map((t) => t.objective));
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
}

describe('TPE sampler', () => {
  it('is deterministic from its seed', () => {
    const space: SearchSpace = { x: { type: 'uniform', low: -5, high: 5 } };
    const finished = [1, 2, 3, 4].map((i) => ({ params: { x: i - 2 }, objective: (i - 2) ** 2 }));
    const a = suggestTrialParams({ space, strategy: 'tpe', objective: 'val_loss', trials: 8 }, 11, 5, finished);
    const b = suggestTrialParams({ space, strategy: 'tpe', objective: 'val_loss', trials: 8 }, 11, 5, finished);
    expect(a).toEqual(b);
  });

  it('beats random search on a 1-D quadratic over 20 seeds', () => {
    const space: SearchSpace = { x: { type: 'uniform', low: -10, high: 10 } };
    const f = (p: TrialParams) => ((p.x as number) - 3.3) ** 2;
    const seeds = Array.from({ length: 20 }, (_, i) => 1000 + i);
    const tpe = seeds.map((s) => tune(space, f, 'tpe', s, 30));
    const random = seeds.map((s) => tune(space, f, 'random', s, 30));
    expect(medianOf(tpe)).toBeLessThan(medianOf(random));
    expect(tpe.filter((v, i) => v < random[i]!).length).toBeGreaterThan(12);
  });

  it('beats random search on a 2-D problem with a log-scale rate and a choice', () => {
    const space: SearchSpace = {
      lr: { type: 'logUniform', low: 1e-5, high: 1 },
      width: { type: 'choice', values: [8, 16, 32, 64, 128] },
      layers: { type: 'int', low: 1, high: 8 },
    };
    const f = (p: TrialParams) => (Math.log10(p.lr as number) + 2.5) ** 2 + (p.width === 64 ? 0 : 1) + ((p.layers as number) - 3) ** 2 / 4;
    const seeds = Array.from({ length: 20 }, (_, i) => 2000 + i);
    const tpe = seeds.map((s) => tune(space, f, 'tpe', s, 40));
    const random = seeds.map((s) => tune(space, f, 'random', s, 40));
    expect(medianOf(tpe)).toBeLessThan(medianOf(random));
  });

  it('maximizes when the objective is to be maximized', () => {
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 } };
    const finished: FinishedTrial[] = [];
    for (let n = 1; n <= 30; n++) {
      const params = suggestTrialParams({ space, strategy: 'tpe', objective: 'val_accuracy', trials: 30 }, 5, n, finished);
      finished.push({ params, objective: 1 - Math.abs((params.x as number) - 0.8) });
    }
    // The later half of the trials concentrates near the maximum at 0.8.
    const late = finished.slice(15).map((t) => Math.abs((t.params.x as number) - 0.8));
    expect(medianOf(late)).toBeLessThan(0.15);
  });

  it('samples at random until enough trials finished', () => {
    const space: SearchSpace = { x: { type: 'uniform', low: 0, high: 1 } };
    expect(sampleTpe(space, [], mulberry32(1), { startupTrials: 3 })).toEqual(sampleTpe(space, [], mulberry32(1), { startupTrials: 3 }));
    expect(goodCount(4)).toBe(1);
    expect(goodCount(1000)).toBe(25);
  });

  it('has proper Parzen densities and a normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    const p = fitParzen([0.2, 0.25, 0.8], 0, 1, 1);
    // The density integrates to 1 over the range (trapezoid rule).
    let area = 0;
    const steps = 2000;
    for (let i = 0; i < steps; i++) area += ((Math.exp(logParzen(p, i / steps)) + Math.exp(logParzen(p, (i + 1) / steps))) / 2) * (1 / steps);
    expect(area).toBeCloseTo(1, 2);
    expect(logParzen(p, 0.22)).toBeGreaterThan(logParzen(p, 0.55));
  });
});

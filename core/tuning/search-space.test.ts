import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../statistics/seeded-random';
import { defaultDirection, inSpace, prunerOf, sampleParam, tuningSchema, type ParamSpace } from './search-space';

const base = { objective: 'val_loss', trials: 6, parallelism: 2, space: { lr: { type: 'logUniform', low: 1e-4, high: 1e-1 } } };

function problems(body: unknown): string[] {
  const r = tuningSchema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('tuning config', () => {
  it('accepts the four kinds and fills defaults', () => {
    const t = tuningSchema.parse({
      ...base,
      space: {
        lr: { type: 'logUniform', low: 1e-4, high: 0.1 },
        weight_decay: { type: 'uniform', low: 0, high: 0.01 },
        batch_size: { type: 'int', low: 16, high: 128, log: true },
        hidden: { type: 'choice', values: [32, 64, 128] },
      },
    });
    expect(t.strategy).toBe('random');
    expect(prunerOf(t)).toBeUndefined();
    expect(prunerOf({ pruning: true })).toEqual({ type: 'median', startupTrials: 2, warmupSteps: 5 });
  });

  it('names the parameter of a bad range', () => {
    expect(problems({ ...base, space: { lr: { type: 'uniform', low: 1, high: 1 } } }).join()).toMatch(/space\.lr: low \(1\) must be below high \(1\)/);
    expect(problems({ ...base, space: { lr: { type: 'logUniform', low: 0, high: 1 } } }).join()).toMatch(/space\.lr: a log scale needs low > 0/);
    expect(problems({ ...base, space: { epochs: { type: 'int', low: 1.5, high: 4 } } }).join()).toMatch(/space\.epochs/);
    expect(problems({ ...base, space: { act: { type: 'choice', values: [] } } }).join()).toMatch(/space\.act/);
    expect(problems({ ...base, space: { act: { type: 'choice', values: ['a', 'a'] } } }).join()).toMatch(/space\.act: a choice lists a value twice/);
    expect(problems({ ...base, space: { lr: { type: 'normal', low: 0, high: 1 } } }).join()).toMatch(/space\.lr/);
    expect(problems({ ...base, space: {} }).join()).toMatch(/at least one parameter/);
  });

  it('bounds trials and parallelism, and needs a direction it cannot infer', () => {
    expect(problems({ ...base, trials: 201 }).join()).toMatch(/trials/);
    expect(problems({ ...base, trials: 2, parallelism: 3 }).join()).toMatch(/parallelism \(3\) may not exceed trials \(2\)/);
    expect(problems({ ...base, objective: 'perplexity_score' }).join()).toMatch(/direction: say whether to minimize or maximize/);
    expect(problems({ ...base, objective: 'perplexity_score', direction: 'minimize' })).toEqual([]);
    expect(defaultDirection('val_loss')).toBe('minimize');
    expect(defaultDirection('val_accuracy')).toBe('maximize');
  });

  it('samples every kind inside its space, log scales spread over decades', () => {
    const random = mulberry32(7);
    const spaces: ParamSpace[] = [
      { type: 'uniform', low: -2, high: 3 },
      { type: 'logUniform', low: 1e-5, high: 1 },
      { type: 'int', low: 1, high: 4 },
      { type: 'int', low: 8, high: 512, log: true },
      { type: 'choice', values: ['relu', 'tanh', null] },
    ];
    for (const space of spaces) {
      const seen = new Set<unknown>();
      for (let i = 0; i < 500; i++) {
        const v = sampleParam(space, random);
        expect(inSpace(space, v)).toBe(true);
        seen.add(v);
      }
      if (space.type === 'int' && !space.log) expect(seen).toEqual(new Set([1, 2, 3, 4]));
      if (space.type === 'choice') expect(seen.size).toBe(3);
    }
    const logs = Array.from({ length: 1000 }, () => sampleParam({ type: 'logUniform', low: 1e-5, high: 1 }, random) as number);
    // Log-uniform: about a fifth of the draws in each decade, so many below 1e-3 (uniform would give 0.1%).
    expect(logs.filter((x) => x < 1e-3).length).toBeGreaterThan(300);
  });
});

import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, kolmogorovSurvival, logGamma, regularizedGammaQ } from './special-functions';

/** |actual - expected| within 1e-9, and within 1e-9 relative for values far below 1. */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9);
  if (expected !== 0 && Math.abs(expected) < 1e-3) expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(1e-9);
}

describe('logGamma', () => {
  // scipy.special.gammaln, scipy 1.17.1.
  it('matches scipy.special.gammaln', () => {
    const cases: [number, number][] = [
      [0.5, 0.5723649429247],
      [1, 0],
      [1.5, -0.12078223763524526],
      [3.7, 1.428072326665388],
      [10, 12.801827480081469],
      [75, 247.57291409618685],
      [171.3, 708.1149470389971],
    ];
    for (const [x, expected] of cases) expectClose(logGamma(x), expected);
  });

  it('refuses non-positive arguments', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(-1)).toThrow(RangeError);
  });
});

describe('chiSquareSurvival', () => {
  // scipy.stats.chi2.sf(x, df), scipy 1.17.1; both sides of x = df/2 + 1 and deep tails.
  it('matches scipy.stats.chi2.sf, tails included', () => {
    const cases: [number, number, number][] = [
      [0.5, 1, 0.47950012218695337],
      [3.841458820694124, 1, 0.04999999999999989],
      [10, 3, 0.01856613546304325],
      [25.3, 7, 0.0006712440753544802],
      [200, 150, 0.003973185970821635],
      [1e-3, 4, 0.9999998750416589],
      [80, 2, 4.248354255291595e-18],
      [500, 30, 1.2079559936814051e-86],
      [7.5, 9, 0.5852087693825123],
      [0.3, 0.5, 0.3331718023153565],
    ];
    for (const [x, df, expected] of cases) expectClose(chiSquareSurvival(x, df), expected);
  });

  it('is 1 at and below zero, 0 at infinity, and refuses df <= 0', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(-2, 3)).toBe(1);
    expect(chiSquareSurvival(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(() => chiSquareSurvival(1, 0)).toThrow(RangeError);
    expect(regularizedGammaQ(2, 0)).toBe(1);
  });
});

describe('kolmogorovSurvival', () => {
  // scipy.stats.kstwobign.sf(x), scipy 1.17.1; x on both sides of the switch between series at 1.
  it('matches scipy.stats.kstwobign.sf', () => {
    const cases: [number, number][] = [
      [0.05, 1],
      [0.2, 0.999999999999495],
      [0.5, 0.9639452436648751],
      [0.82, 0.5119717052984973],
      [0.99, 0.2808738392255489],
      [1.0, 0.26999967167735456],
      [1.3580986393225507, 0.049999999999999975],
      [2, 0.0006709252557796953],
      [3.5, 4.579469691291106e-11],
      [6, 1.0760372320042276e-31],
    ];
    for (const [x, expected] of cases) expectClose(kolmogorovSurvival(x), expected);
  });

  it('is 1 at zero and 0 at infinity', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(Number.POSITIVE_INFINITY)).toBe(0);
  });
});

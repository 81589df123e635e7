// Tail probabilities behind the drift tests' p-values: the chi-square distribution (through the
// regularized incomplete gamma function) and the Kolmogorov distribution, without a numerics library.

/** Relative precision at which the series and continued fractions below stop. */
const EPS = 1e-16;
/** Stands in for zero in the modified Lentz method, where an exact zero would divide by zero. */
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;

// Lanczos approximation with g = 7 and nine coefficients (Godfrey's), relative error about 1e-15
// for positive arguments; that is all the incomplete gamma function asks of it.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs a positive argument, got ${x}`);
  // Reflection keeps the approximation in the range where it is accurate.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** e^-x x^a / Γ(a), the factor both expansions of the incomplete gamma function share. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** P(a, x) by its power series; converges quickly for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * gammaPrefactor(a, x);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges quickly for x >= a + 1. */
function upperGammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h * gammaPrefactor(a, x);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), as scipy's
 * gammaincc. Each side of x = a + 1 uses the expansion that converges there, so a small
 * tail comes from the continued fraction directly rather than as 1 minus something near 1.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`regularizedGammaQ needs a > 0, got ${a}`);
  if (Number.isNaN(x) || x < 0) throw new RangeError(`regularizedGammaQ needs x >= 0, got ${x}`);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaFraction(a, x);
}

/** P(X > x) for X ~ chi-square with df degrees of freedom, as scipy.stats.chi2.sf. */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`chi-square needs positive degrees of freedom, got ${df}`);
  if (Number.isNaN(x)) throw new RangeError('chi-square survival of NaN');
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/**
 * P(K > x) for the Kolmogorov distribution (the limit of sqrt(n) D_n), as scipy.stats.kstwobign.sf.
 * Below x = 1 the alternating series converges slowly, so the survival comes from the theta-function
 * form of the CDF, sqrt(2 pi)/x sum exp(-(2j-1)^2 pi^2 / (8 x^2)), which converges fast there.
 */
export function kolmogorovSurvival(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('Kolmogorov survival of NaN');
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < 1) {
    const k = (Math.PI * Math.PI) / (8 * x * x);
    let cdf = 0;
    for (let j = 1; j < MAX_ITERATIONS; j++) {
      const term = Math.exp(-(2 * j - 1) * (2 * j - 1) * k);
      cdf += term;
      if (term <= cdf * EPS) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdf;
  }
  let sum = 0;
  for (let j = 1; j < MAX_ITERATIONS; j++) {
    const term = Math.exp(-2 * j * j * x * x);
    sum += j % 2 === 1 ? term : -term;
    if (term <= Math.abs(sum) * EPS) break;
  }
  return 2 * sum;
}

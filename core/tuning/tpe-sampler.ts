// Tree-structured Parzen Estimator (Bergstra et al. 2011; Optuna's and Hyperopt's default sampler):
// split the finished trials at gamma into good and bad, fit a Parzen estimator l(x) to the good
// values and g(x) to the bad ones per parameter, draw candidates from l and keep the one with the
// largest l(x)/g(x) (which maximises expected improvement). Parameters are sampled independently.
import type { Random } from '../statistics/seeded-random';
import { sampleRandom } from './random-sampler';
import type { ParamSpace, ParamValue, SearchSpace, TrialParams } from './search-space';

/** A finished trial: its params and its objective oriented so that lower is better. */
export interface Observation {
  params: TrialParams;
  value: number;
}

export interface TpeOptions {
  /** Trials sampled at random before the estimators take over. */
  startupTrials: number;
  /** Candidates drawn from l(x) per parameter. */
  candidates?: number;
  /** Weight of the prior (a wide Gaussian over the whole range) against each observation's weight of 1. */
  priorWeight?: number;
}

const DEFAULT_CANDIDATES = 24;

/** Hyperopt's split: the best quarter of the trials are the good ones, at most 25. */
export function goodCount(n: number): number {
  return Math.max(1, Math.min(Math.ceil(0.25 * n), 25));
}

export function sampleTpe(space: SearchSpace, observations: readonly Observation[], random: Random, options: TpeOptions): TrialParams {
  const finished = observations.filter((o) => Number.isFinite(o.value));
  if (finished.length < Math.max(1, options.startupTrials)) return sampleRandom(space, random);
  // A stable sort: ties keep trial order, so the split is the same on every replay.
  const sorted = [...finished].sort((a, b) => a.value - b.value);
  const nGood = goodCount(sorted.length);
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const candidates = options.candidates ?? DEFAULT_CANDIDATES;
  const priorWeight = options.priorWeight ?? 1;
  const params: TrialParams = {};
  for (const name of Object.keys(space).sort()) {
    const dim = space[name]!;
    const pick = (list: Observation[]) => list.map((o) => o.params[name]).filter((v): v is ParamValue => v !== undefined);
    params[name] =
      dim.type === 'choice'
        ? sampleCategorical(dim.values, pick(good), pick(bad), random, candidates, priorWeight)
        : sampleNumeric(dim, pick(good), pick(bad), random, candidates, priorWeight);
  }
  return params;
}

/** A numeric space in the coordinates its estimator works in: log for log scales, widened by half a step for ints. */
interface Domain {
  low: number;
  high: number;
  to(x: number): number;
  from(t: number): number;
}

function domainOf(space: Exclude<ParamSpace, { type: 'choice' }>): Domain {
  const log = space.type === 'logUniform' || (space.type === 'int' && space.log === true);
  const lowX = space.type === 'int' ? space.low - 0.5 : space.low;
  const highX = space.type === 'int' ? space.high + 0.5 : space.high;
  const to = log ? Math.log : (x: number) => x;
  const fromT = log ? Math.exp : (t: number) => t;
  const from = space.type === 'int' ? (t: number) => Math.min(space.high, Math.max(space.low, Math.round(fromT(t)))) : (t: number) => Math.min(space.high, Math.max(space.low, fromT(t)));
  return { low: to(lowX), high: to(highX), to, from };
}

interface Parzen {
  mus: number[];
  sigmas: number[];
  weights: number[];
  low: number;
  high: number;
}

/** Hyperopt's adaptive Parzen estimator: a Gaussian per point, wide as the larger gap to its neighbours, plus the prior. */
export function fitParzen(points: readonly number[], low: number, high: number, priorWeight: number): Parzen {
  const range = high - low;
  const prior = (low + high) / 2;
  const entries = [...points.map((mu) => ({ mu, w: 1, prior: false })), { mu: prior, w: priorWeight, prior: true }].sort((a, b) => a.mu - b.mu);
  const mus = entries.map((e) => e.mu);
  const minSigma = range / Math.min(100, 1 + points.length);
  const sigmas = mus.map((mu, i) => {
    if (entries[i]!.prior) return range;
    const left = mu - (i > 0 ? mus[i - 1]! : low);
    const right = (i < mus.length - 1 ? mus[i + 1]! : high) - mu;
    return Math.min(range, Math.max(minSigma, left, right));
  });
  const total = entries.reduce((s, e) => s + e.w, 0);
  return { mus, sigmas, weights: entries.map((e) => e.w / total), low, high };
}

function sampleParzen(p: Parzen, random: Random): number {
  let u = random();
  let k = 0;
  while (k < p.weights.length - 1 && u >= p.weights[k]!) u -= p.weights[k++]!;
  for (let tries = 0; tries < 100; tries++) {
    const x = p.mus[k]! + p.sigmas[k]! * standardNormal(random);
    if (x >= p.low && x <= p.high) return x;
  }
  return p.low + random() * (p.high - p.low);
}

export function logParzen(p: Parzen, x: number): number {
  let density = 0;
  for (let i = 0; i < p.mus.length; i++) {
    const mu = p.mus[i]!;
    const s = p.sigmas[i]!;
    const mass = Math.max(1e-12, normalCdf((p.high - mu) / s) - normalCdf((p.low - mu) / s));
    const z = (x - mu) / s;
    density += (p.weights[i]! * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * mass);
  }
  return Math.log(Math.max(density, 1e-300));
}

function sampleNumeric(space: Exclude<ParamSpace, { type: 'choice' }>, good: ParamValue[], bad: ParamValue[], random: Random, candidates: number, priorWeight: number): ParamValue {
  const d = domainOf(space);
  const inRange = (values: ParamValue[]) => values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= space.low && v <= space.high).map(d.to);
  const l = fitParzen(inRange(good), d.low, d.high, priorWeight);
  const g = fitParzen(inRange(bad), d.low, d.high, priorWeight);
  let best = Number.NaN;
  let bestScore = -Infinity;
  for (let i = 0; i < candidates; i++) {
    const t = sampleParzen(l, random);
    const score = logParzen(l, t) - logParzen(g, t);
    if (score > bestScore) {
      bestScore = score;
      best = t;
    }
  }
  return d.from(best);
}

function sampleCategorical(values: readonly ParamValue[], good: ParamValue[], bad: ParamValue[], random: Random, candidates: number, priorWeight: number): ParamValue {
  const weightsOf = (seen: ParamValue[]) => {
    const w = values.map((v) => priorWeight / values.length + seen.filter((s) => s === v).length);
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  };
  const l = weightsOf(good);
  const g = weightsOf(bad);
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < candidates; i++) {
    let u = random();
    let k = 0;
    while (k < l.length - 1 && u >= l[k]!) u -= l[k++]!;
    const score = Math.log(l[k]!) - Math.log(g[k]!);
    if (score > bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return values[best]!;
}

/** Box-Muller; 1 - random() keeps the logarithm's argument above zero. */
function standardNormal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Φ(z) through erf (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

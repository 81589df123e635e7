// Drift statistics over two histograms on the same bins (reference, current), following Evidently's
// stattests where they are defined on samples, and saying where binning changes the answer.
import { chiSquareSurvival, kolmogorovSurvival } from './special-functions';

/** Counts per bin; every statistic takes two of these, on the same bins. */
export type BinCounts = readonly number[];

function total(counts: BinCounts): number {
  let sum = 0;
  for (const c of counts) sum += c;
  return sum;
}

/** Checks two count vectors are comparable and non-empty; returns their totals. */
function checkPair(reference: BinCounts, current: BinCounts): [number, number] {
  if (reference.length === 0) throw new RangeError('drift statistics need at least one bin');
  if (reference.length !== current.length) {
    throw new RangeError(`reference has ${reference.length} bins, current has ${current.length}; they must share bins`);
  }
  for (const counts of [reference, current]) {
    for (const c of counts) if (!(c >= 0 && Number.isFinite(c))) throw new RangeError(`bin counts must be finite and non-negative, got ${c}`);
  }
  const totals: [number, number] = [total(reference), total(current)];
  if (totals[0] === 0) throw new RangeError('the reference histogram is empty');
  if (totals[1] === 0) throw new RangeError('the current histogram is empty');
  return totals;
}

/**
 * The share that stands in for an empty bin, as Evidently replaces them (get_binned_data,
 * feel_zeroes): `epsilon`, or, when the smallest non-zero share is itself at most `epsilon`, that
 * share / 1e6, so the filler stays well below every real share.
 */
function emptyBinShare(smallestShare: number, epsilon: number): number {
  return smallestShare <= epsilon ? smallestShare / 1e6 : epsilon;
}

/**
 * Population Stability Index, sum over bins of (ref% - cur%) ln(ref% / cur%), as Evidently's
 * `psi` stattest computes it once binned. Empty bins follow Evidently (see emptyBinShare) so the
 * logarithm stays finite. One departure: a bin empty in both histograms is left out, as Evidently
 * does for categories (it bins on the values seen in either sample, so no category is empty in both);
 * kept, it would add a spurious term whenever the two fillers differ. Evidently bins a numeric
 * column itself (Sturges' rule over both samples); here the bins are the profile's quantile bins, so
 * on the same raw data the two PSIs differ even though the formula is the same.
 */
export function psi(reference: BinCounts, current: BinCounts, options: { epsilon?: number } = {}): number {
  const epsilon = options.epsilon ?? 0.0001;
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be within (0, 1), got ${epsilon}`);
  const [nRef, nCur] = checkPair(reference, current);
  // Two plain loops, no arrays: the monitor runs this for every feature of every serving version,
  // and allocating per-bin arrays here was half of computeDrift's time.
  let smallestRef = Number.POSITIVE_INFINITY;
  let smallestCur = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]! / nRef;
    const c = current[i]! / nCur;
    if (r > 0 && r < smallestRef) smallestRef = r;
    if (c > 0 && c < smallestCur) smallestCur = c;
  }
  const fillRef = emptyBinShare(smallestRef, epsilon);
  const fillCur = emptyBinShare(smallestCur, epsilon);
  let value = 0;
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] === 0 && current[i] === 0) continue;
    const r = reference[i]! > 0 ? reference[i]! / nRef : fillRef;
    const c = current[i]! > 0 ? current[i]! / nCur : fillCur;
    value += (r - c) * Math.log(r / c);
  }
  return value;
}

/** p ln(p/q) with 0 ln 0 = 0, as scipy.special.rel_entr for p, q >= 0 and q > 0 wherever p > 0. */
function relativeEntropyTerm(p: number, q: number): number {
  return p === 0 ? 0 : p * Math.log(p / q);
}

/**
 * Jensen-Shannon distance, as scipy.spatial.distance.jensenshannon(ref, cur, base): the square
 * root of the JS divergence in logarithms of `base` (2 by default, which bounds it to [0, 1]).
 * Empty bins need no filler (the mixture is positive wherever either share is), and Evidently
 * passes raw shares here too. Evidently's `jensenshannon` stattest calls scipy with base=None,
 * natural logarithms, bounded by sqrt(ln 2) ~ 0.8326; pass `base: Math.E` to reproduce its values.
 */
export function jensenShannonDistance(reference: BinCounts, current: BinCounts, options: { base?: number } = {}): number {
  const base = options.base ?? 2;
  if (!(base > 0 && base !== 1)) throw new RangeError(`logarithm base must be positive and not 1, got ${base}`);
  const [nRef, nCur] = checkPair(reference, current);
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / nRef;
    const q = current[i]! / nCur;
    const m = (p + q) / 2;
    divergence += relativeEntropyTerm(p, m) + relativeEntropyTerm(q, m);
  }
  // Rounding can leave identical histograms a hair below zero; the distance of those is 0.
  return Math.sqrt(Math.max(0, divergence / 2 / Math.log(base)));
}

/**
 * The point standing for each bin in the binned Wasserstein distance: its midpoint, with the two
 * unbounded outer bins closed at the reference's observed min and max, so (min, e0] and
 * (e_last, max]. Closing them at min and max themselves would put the whole outer decile at the
 * extreme and read about 1.5 times the raw-sample distance on normal data; the midpoint reads
 * within about 20% of it (measured with scipy on N(0, 1) samples). A current value beyond the
 * reference's range still counts as inside the outer bin, so a shift past the edges of the training
 * data is under-measured.
 */
export function binRepresentatives(edges: readonly number[], min: number, max: number): number[] {
  if (!(min <= max)) throw new RangeError(`min ${min} must not exceed max ${max}`);
  if (edges.length === 0) return [(min + max) / 2];
  if (!(min <= edges[0]! && max >= edges[edges.length - 1]!)) {
    throw new RangeError('the reference min must be at most the first edge and its max at least the last');
  }
  const bounds = [min, ...edges, max];
  const points: number[] = [];
  for (let i = 1; i < bounds.length; i++) points.push((bounds[i - 1]! + bounds[i]!) / 2);
  return points;
}

export type WassersteinBins = {
  /** The profile's inner edges; the histograms have edges.length + 1 bins. */
  edges: readonly number[];
  /** The reference's observed min and max, closing the outer bins. */
  min: number;
  max: number;
  /** The reference's standard deviation (population, ddof=0, as numpy's np.std that Evidently calls). */
  std: number;
};

/** Evidently's floor on the normalising std, so a near-constant reference does not divide by ~0. */
const MIN_WASSERSTEIN_NORM = 0.001;

/**
 * Evidently's normed Wasserstein distance, wasserstein_distance(ref, cur) / max(std(ref), 0.001),
 * on binned data: every value in a bin is moved to the bin's representative point (see
 * binRepresentatives), which equals scipy.stats.wasserstein_distance(points, points, ref, cur)
 * divided by max(std, 0.001). Moving values to bin points loses distance within bins and adds
 * some across them; see binRepresentatives for how far that lands from the raw-sample statistic.
 */
export function wassersteinNormed(reference: BinCounts, current: BinCounts, bins: WassersteinBins): number {
  const [nRef, nCur] = checkPair(reference, current);
  if (reference.length !== bins.edges.length + 1) {
    throw new RangeError(`${bins.edges.length} edges make ${bins.edges.length + 1} bins, the histograms have ${reference.length}`);
  }
  if (!(bins.std >= 0)) throw new RangeError(`std must be non-negative, got ${bins.std}`);
  const points = binRepresentatives(bins.edges, bins.min, bins.max);
  // W1 in one dimension is the area between the two CDFs, which are steps at the points.
  let distance = 0;
  let cumRef = 0;
  let cumCur = 0;
  for (let i = 0; i < points.length - 1; i++) {
    cumRef += reference[i]!;
    cumCur += current[i]!;
    distance += Math.abs(cumRef / nRef - cumCur / nCur) * (points[i + 1]! - points[i]!);
  }
  return distance / Math.max(bins.std, MIN_WASSERSTEIN_NORM);
}

export type TestResult = { statistic: number; pValue: number };

/**
 * Two-sample Kolmogorov-Smirnov on binned data: D = max |CDF_ref - CDF_cur| over the bin
 * boundaries, with the asymptotic p-value P(K > D sqrt(n1 n2 / (n1 + n2))) from the Kolmogorov
 * distribution (scipy.stats.kstwobign.sf; ks_2samp's method='asymp' differs, using the finite-n
 * kstwo with n rounded). Binning can only hide
 * differences inside a bin, so D is at most the raw-sample D and the p-value at least its
 * p-value. Ties are the rule here, where the asymptotic p-value is conservative.
 */
export function ksOnBinnedCdf(reference: BinCounts, current: BinCounts): TestResult {
  const [nRef, nCur] = checkPair(reference, current);
  let statistic = 0;
  let cumRef = 0;
  let cumCur = 0;
  for (let i = 0; i < reference.length - 1; i++) {
    cumRef += reference[i]!;
    cumCur += current[i]!;
    statistic = Math.max(statistic, Math.abs(cumRef / nRef - cumCur / nCur));
  }
  const effectiveN = (nRef * nCur) / (nRef + nCur);
  return { statistic, pValue: kolmogorovSurvival(statistic * Math.sqrt(effectiveN)) };
}

export type ChiSquareResult = TestResult & {
  /** Degrees of freedom: bins kept minus one. */
  df: number;
};

/**
 * Chi-square goodness of fit of the current counts against the reference proportions, as
 * Evidently's `chisquare` stattest: expected = reference share x current total, then
 * scipy.stats.chisquare. Bins empty in both are dropped (Evidently builds bins from the values seen
 * in either sample), and df = kept bins - 1. A bin the reference never saw but the current did has
 * expected 0, which scipy turns into an infinite statistic and p-value 0: a category new to live
 * traffic is certain drift. With a single kept bin the two agree by construction: statistic 0 and
 * p-value 1 (scipy answers NaN, having no degrees of freedom).
 */
export function chiSquare(reference: BinCounts, current: BinCounts): ChiSquareResult {
  const [nRef, nCur] = checkPair(reference, current);
  let statistic = 0;
  let kept = 0;
  for (let i = 0; i < reference.length; i++) {
    const observed = current[i]!;
    if (reference[i] === 0 && observed === 0) continue;
    kept++;
    const expected = (reference[i]! / nRef) * nCur;
    statistic += expected === 0 ? Number.POSITIVE_INFINITY : ((observed - expected) * (observed - expected)) / expected;
  }
  const df = kept - 1;
  if (df === 0) return { statistic: 0, pValue: 1, df };
  return { statistic, pValue: chiSquareSurvival(statistic, df), df };
}

/**
 * Chi-square test of homogeneity: do two samples' category counts come from one distribution?
 * Both samples are random, so the expected counts come from the pooled shares (scipy.stats.
 * chi2_contingency on the 2 x k table, without Yates' correction). Where one side is a sample as
 * small as the other (a canary against stable), the goodness-of-fit test above takes the first
 * sample's shares as exact and finds differences that are only the first sample's noise. Categories
 * empty in both are dropped; df = kept categories - 1.
 */
export function chiSquareHomogeneity(a: BinCounts, b: BinCounts): ChiSquareResult {
  const [nA, nB] = checkPair(a, b);
  const n = nA + nB;
  let statistic = 0;
  let kept = 0;
  for (let i = 0; i < a.length; i++) {
    const column = a[i]! + b[i]!;
    if (column === 0) continue;
    kept++;
    const expectedA = (column * nA) / n;
    const expectedB = (column * nB) / n;
    statistic += (a[i]! - expectedA) ** 2 / expectedA + (b[i]! - expectedB) ** 2 / expectedB;
  }
  const df = kept - 1;
  if (df === 0) return { statistic: 0, pValue: 1, df };
  return { statistic, pValue: chiSquareSurvival(statistic, df), df };
}

// Cross-validation folds and their summary against scikit-learn and numpy (test/python/cross_validation_reference.py,
// run with the tests' venv): each stratified fold holds as many rows of each class as StratifiedKFold
// gives it, a class too small for the folds is refused where StratifiedKFold warns, and the mean and
// standard deviation are numpy's mean and std(ddof=1).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/statistics/seeded-random';
import { assignFolds, summarizeFolds } from '../../core/evaluation/cross-validation';
import { pinnedVersion, runReferenceScript, valueDifferences } from '../python/python-peers';

type SplitCase = { name: string; labels: number[]; folds: number };
type Reference = {
  sklearn: string;
  splits: Record<string, { classCounts: number[][] | null; error: string | null; warned: boolean }>;
  summaries: Record<string, { mean: number; std: number }>;
};

function randomLabels(n: number, weights: number[], seed: number): number[] {
  const next = mulberry32(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, () => {
    let x = next() * total;
    return weights.findIndex((w) => (x -= w) < 0);
  });
}

const splitCases: SplitCase[] = [
  { name: 'binary 455 rows, 3 folds (breast cancer train split)', labels: randomLabels(455, [0.63, 0.37], 1), folds: 3 },
  { name: 'binary 120 rows, 5 folds', labels: randomLabels(120, [0.5, 0.5], 2), folds: 5 },
  { name: '10 classes, 1437 rows, 10 folds (digits train split)', labels: randomLabels(1437, Array(10).fill(1), 3), folds: 10 },
  { name: '3 skewed classes, 97 rows, 4 folds', labels: randomLabels(97, [0.8, 0.15, 0.05], 4).map((y, i) => (i < 4 ? 2 : y)), folds: 4 },
  { name: '4 classes, 20 folds', labels: randomLabels(400, [0.4, 0.3, 0.2, 0.1], 5), folds: 20 },
  { name: 'a class of 2 rows, 3 folds', labels: [...Array(40).fill(0), 1, 1], folds: 3 },
];

const summaryCases = [
  { name: 'three folds', values: [0.95, 0.93, 0.97] },
  { name: 'ten folds', values: Array.from({ length: 10 }, (_, i) => 0.9 + ((i * 7) % 10) / 100) },
  { name: 'equal folds', values: [0.5, 0.5] },
];

describe('cross-validation against scikit-learn', () => {
  const reference = runReferenceScript<Reference>('cross_validation_reference.py', { splits: splitCases, summaries: summaryCases }, 'the scikit-learn comparison of cross-validation folds');

  it('runs against the pinned scikit-learn', () => {
    expect(reference.sklearn).toBe(pinnedVersion('scikit-learn'));
  });

  it.each(splitCases.map((c) => [c.name, c] as const))('gives each fold the class counts StratifiedKFold gives it: %s', (_, c) => {
    const peer = reference.splits[c.name]!;
    if (peer.warned) {
      // StratifiedKFold warns and scores folds without the class; we refuse, naming the class.
      expect(() => assignFolds(c.labels, { folds: c.folds, stratified: true, seed: 42 })).toThrow(/class '1' has 2/);
      return;
    }
    expect(peer.error).toBeNull();
    const assignment = assignFolds(c.labels, { folds: c.folds, stratified: true, seed: 42 });
    const classes = [...new Set(c.labels)].sort((a, b) => a - b);
    const ours = Array.from({ length: c.folds }, (_, f) => classes.map((k) => c.labels.filter((y, i) => y === k && assignment[i] === f).length));
    expect(ours).toEqual(peer.classCounts);
  });

  it.each(summaryCases.map((c) => [c.name, c] as const))("summarizes as numpy's mean and std(ddof=1): %s", (_, c) => {
    const { accuracy } = summarizeFolds(c.values.map((accuracy) => ({ accuracy })));
    const peer = reference.summaries[c.name]!;
    const differ = valueDifferences('numpy', 1e-12);
    expect([...differ(accuracy!.mean, peer.mean, 'mean'), ...differ(accuracy!.std, peer.std, 'std')]).toEqual([]);
  });
});

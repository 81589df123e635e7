// Every metric of classificationReport against scikit-learn itself (test/python/classification_reference.py,
// run with the tests' venv): random binary, 3-class and 10-class sets and the edge cases where
// definitions part ways (ties, a class never predicted, a class absent from the labels, probabilities
// of exactly 0 and 1, float32 rows).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/statistics/seeded-random';
import { pinnedVersion, runReferenceScript, valueDifferences } from '../python/python-peers';
import { classificationReport, type ClassificationInput } from '../../core/evaluation/classification-metrics';

const TOLERANCE = 1e-9;

type Case = { name: string; labels: number[]; probabilities: number[][]; numClasses: number; positiveClass?: number };
type Reference = {
  metrics: Record<string, number | null>;
  classMetrics: Array<{ precision: number; recall: number; f1: number; support: number }>;
  confusionMatrix: number[][];
};

type CaseOptions = {
  n: number;
  k: number;
  seed: number;
  positiveClass?: number;
  /** Integer weights 0..4 instead of continuous ones: tied scores, tied argmaxes and exact zeros. */
  ties?: boolean;
  /** Classes whose probability is always 0, so they are never predicted. */
  neverPredicted?: number[];
  /** Classes that never occur in the labels. */
  absent?: number[];
  /** Round probabilities to float32, as an ONNX model's output reaches the evaluation. */
  float32?: boolean;
  /** Skew the true class's weight, so that the model is better than chance. */
  signal?: number;
};

function makeCase(name: string, o: CaseOptions): Case {
  const next = mulberry32(o.seed);
  const present = Array.from({ length: o.k }, (_, c) => c).filter((c) => !o.absent?.includes(c));
  const labels = Array.from({ length: o.n }, () => present[Math.floor(next() * present.length)]!);
  const probabilities = labels.map((label) => {
    const weights = Array.from({ length: o.k }, (_, c) => {
      if (o.neverPredicted?.includes(c)) return 0;
      const w = o.ties ? Math.floor(next() * 5) : next();
      return c === label ? w + (o.signal ?? 0) : w;
    });
    if (!weights.some((w) => w > 0)) weights[o.neverPredicted?.includes(0) ? 1 : 0] = 1;
    const total = weights.reduce((sum, w) => sum + w, 0);
    return weights.map((w) => (o.float32 ? Math.fround(w / total) : w / total));
  });
  return { name, labels, probabilities, numClasses: o.k, ...(o.positiveClass === undefined ? {} : { positiveClass: o.positiveClass }) };
}

const cases: Case[] = [
  ...[1, 2, 3].map((seed) => makeCase(`binary random ${seed}`, { n: 50 + 75 * seed, k: 2, seed, signal: 0.4 })),
  makeCase('binary, class 0 positive', { n: 120, k: 2, seed: 4, positiveClass: 0, signal: 0.3 }),
  makeCase('binary ties', { n: 80, k: 2, seed: 5, ties: true }),
  makeCase('binary, one class in the labels', { n: 40, k: 2, seed: 6, absent: [0], signal: 0.2 }),
  makeCase('binary, never predicts class 1', { n: 40, k: 2, seed: 7, neverPredicted: [1] }),
  {
    name: 'binary, probabilities of exactly 0 and 1',
    labels: [1, 0, 1, 0, 1, 0],
    probabilities: [[0, 1], [1, 0], [1, 0], [0, 1], [0.5, 0.5], [0.25, 0.75]],
    numClasses: 2,
  },
  ...[1, 2, 3].map((seed) => makeCase(`3-class random ${seed}`, { n: 60 * seed, k: 3, seed: 10 + seed, signal: 0.5 })),
  makeCase('3-class, class 2 positive', { n: 150, k: 3, seed: 14, positiveClass: 2, signal: 0.5 }),
  makeCase('3-class float32', { n: 200, k: 3, seed: 15, float32: true, signal: 0.5 }),
  makeCase('3-class ties', { n: 90, k: 3, seed: 16, ties: true }),
  makeCase('3-class, two labels occur', { n: 70, k: 3, seed: 17, absent: [1], signal: 0.3 }),
  ...[1, 2].map((seed) => makeCase(`10-class random ${seed}`, { n: 400 * seed, k: 10, seed: 20 + seed, signal: 0.4 })),
  makeCase('10-class, class 7 positive', { n: 300, k: 10, seed: 23, positiveClass: 7, signal: 0.4 }),
  makeCase('10-class ties', { n: 300, k: 10, seed: 24, ties: true, signal: 2 }),
  makeCase('10-class, classes 3 and 8 never predicted', { n: 300, k: 10, seed: 25, neverPredicted: [3, 8], signal: 0.3 }),
  makeCase('10-class, class 9 absent from the labels', { n: 300, k: 10, seed: 26, absent: [9], signal: 0.3 }),
  makeCase('10-class, class 5 neither present nor predicted', { n: 200, k: 10, seed: 27, absent: [5], neverPredicted: [5], signal: 0.3 }),
  makeCase('10-class float32, class 0 positive', { n: 300, k: 10, seed: 28, float32: true, positiveClass: 0, signal: 0.4 }),
  {
    name: '4-class, five examples, class 3 absent and row ties',
    labels: [0, 1, 2, 2, 0],
    probabilities: [[0.25, 0.25, 0.25, 0.25], [0.1, 0.4, 0.4, 0.1], [0, 0.5, 0.5, 0], [0.2, 0.2, 0.2, 0.4], [0.7, 0.1, 0.1, 0.1]],
    numClasses: 4,
  },
];

type ReferenceRun = { sklearn: string; results: Record<string, Reference> };
let run: ReferenceRun | undefined;

/** sklearn's numbers for all cases, from one Python process (run inside each test: see python-peers.ts). */
function sklearnReference(): ReferenceRun {
  run ??= runReferenceScript<ReferenceRun>('classification_reference.py', { cases }, 'scikit-learn');
  return run;
}

const differences = valueDifferences('sklearn', TOLERANCE);

// The first test starts Python and imports scikit-learn: seconds, more on a loaded host.
describe('classificationReport against scikit-learn', { timeout: 60_000 }, () => {
  it('runs against the pinned scikit-learn', () => {
    const pinned = pinnedVersion('scikit-learn');
    expect(sklearnReference().sklearn).toBe(pinned);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const input: ClassificationInput = c;
    const ours = classificationReport(input);
    const expected = sklearnReference().results[c.name]!;

    expect(Object.keys(ours.metrics).sort()).toEqual(Object.keys(expected.metrics).sort());
    const flat: Record<string, number | null> = ours.metrics;
    const problems = Object.entries(expected.metrics).flatMap(([metric, value]) => differences(flat[metric], value, metric));
    expected.classMetrics.forEach((reference, k) => {
      const mine = ours.classMetrics[String(k)]!;
      for (const key of ['precision', 'recall', 'f1', 'support'] as const) {
        problems.push(...differences(mine[key], reference[key], `class ${k} ${key}`));
      }
    });
    expect(problems).toEqual([]);
    expect(ours.confusionMatrix).toEqual(expected.confusionMatrix);
  });

  it('covers the edge cases it claims to', () => {
    const references = sklearnReference().results;
    // A null AUC must come from sklearn's NaN on purpose, not from every case being degenerate.
    const nulls = cases.filter((c) => references[c.name]!.metrics.roc_auc_ovr === null).map((c) => c.name);
    expect(nulls).toEqual([
      'binary, one class in the labels',
      '3-class, two labels occur',
      '10-class, class 9 absent from the labels',
      '10-class, class 5 neither present nor predicted',
      '4-class, five examples, class 3 absent and row ties',
    ]);
    const neverPredicted = references['10-class, classes 3 and 8 never predicted']!.confusionMatrix;
    expect(neverPredicted.every((row) => row[3] === 0 && row[8] === 0)).toBe(true);
  });
});

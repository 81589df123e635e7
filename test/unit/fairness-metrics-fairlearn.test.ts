// Every value of fairnessReport against fairlearn itself (test/python/fairness_reference.py, run with the
// tests' venv): random binary sets with 2 and 3 groups, and the edge cases where a rate is 0/0 (a group
// with no positives, a group of one row, no group selected, a perfect model), multi-class targets with
// and without a favourable class, and a category with no rows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fairnessReport, type FairnessInput, type FeatureFairness } from '../../core/evaluation/fairness-metrics';

const TOLERANCE = 1e-9;
const script = fileURLToPath(new URL('../python/fairness_reference.py', import.meta.url));
const requirements = fileURLToPath(new URL('../python/requirements.txt', import.meta.url));

type Case = FairnessInput & { name: string };
type Reference = Record<string, Omit<FeatureFairness, 'groups'> & { groups: Record<string, Record<string, number | null>> }>;

/** mulberry32: a small seeded generator, so every run scores the same cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type CaseOptions = {
  n: number;
  numClasses: number;
  seed: number;
  favorableClass?: number;
  /** Categories of each sensitive feature, by feature name. */
  features: Record<string, string[]>;
  /** Share of predictions that are right; the rest are a random class. */
  skill?: number;
  /** Per feature, a group whose examples never hold the favourable class. */
  noPositives?: Record<string, number>;
  /** Per feature, categories given no rows. */
  empty?: Record<string, number[]>;
};

function makeCase(name: string, o: CaseOptions): Case {
  const next = random(o.seed);
  const pick = (k: number) => Math.floor(next() * k);
  const sensitiveFeatures = Object.entries(o.features).map(([feature, categories]) => {
    const used = categories.map((_, c) => c).filter((c) => !o.empty?.[feature]?.includes(c));
    return { name: feature, categories, groups: Array.from({ length: o.n }, () => used[pick(used.length)]!) };
  });
  const labels = Array.from({ length: o.n }, (_, i) => {
    const label = pick(o.numClasses);
    const barred = sensitiveFeatures.some((f) => o.noPositives?.[f.name] === f.groups[i]);
    return barred && label === (o.favorableClass ?? 1) ? (label + 1) % o.numClasses : label;
  });
  const predictions = labels.map((label) => (next() < (o.skill ?? 0.7) ? label : pick(o.numClasses)));
  return { name, labels, predictions, numClasses: o.numClasses, sensitiveFeatures, ...(o.favorableClass === undefined ? {} : { favorableClass: o.favorableClass }) };
}

const sex = ['female', 'male'];
const region = ['north', 'south', 'west'];
const fixed = (name: string, labels: number[], predictions: number[], groups: number[], categories = ['a', 'b', 'c']): Case => ({
  name,
  labels,
  predictions,
  numClasses: 2,
  favorableClass: 1,
  sensitiveFeatures: [{ name: 'g', categories, groups }],
});

const cases: Case[] = [
  ...[1, 2, 3].map((seed) => makeCase(`binary, 2 groups, random ${seed}`, { n: 80 * seed, numClasses: 2, favorableClass: 1, seed, features: { sex } })),
  ...[4, 5].map((seed) => makeCase(`binary, 3 groups, random ${seed}`, { n: 150, numClasses: 2, favorableClass: 1, seed, features: { region } })),
  makeCase('binary, class 0 favourable, two features', { n: 200, numClasses: 2, favorableClass: 0, seed: 6, features: { sex, region } }),
  makeCase('binary, a group with no positives', { n: 120, numClasses: 2, favorableClass: 1, seed: 7, features: { region }, noPositives: { region: 2 } }),
  makeCase('binary, a category with no rows', { n: 90, numClasses: 2, favorableClass: 1, seed: 8, features: { region }, empty: { region: [1] } }),
  fixed('binary, a group of one row', [1, 0, 1, 0, 1, 0, 1], [1, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 2]),
  fixed('binary, no group selected', [1, 0, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 2, 2]),
  fixed('binary, perfect model', [1, 0, 1, 0, 1, 0], [1, 0, 1, 0, 1, 0], [0, 0, 1, 1, 2, 2]),
  fixed('binary, one group', [1, 0, 1, 1], [1, 1, 0, 1], [0, 0, 0, 0], ['only']),
  ...[9, 10].map((seed) => makeCase(`3-class, class 2 favourable, random ${seed}`, { n: 180, numClasses: 3, favorableClass: 2, seed, features: { region } })),
  makeCase('5-class, class 0 favourable, a group with no positives', { n: 250, numClasses: 5, favorableClass: 0, seed: 11, features: { sex, region }, noPositives: { sex: 1 } }),
  makeCase('3-class, no favourable class', { n: 150, numClasses: 3, seed: 12, features: { region } }),
];

type ReferenceRun = { fairlearn: string; results: Record<string, Reference> };
let run: ReferenceRun | undefined;

/**
 * fairlearn's numbers for all cases, from one Python process. Called inside each test rather than in
 * beforeAll, so that a missing venv reads as failed tests in every report, not as skipped ones.
 */
function fairlearnReference(): ReferenceRun {
  if (run) return run;
  const python = process.env.WINDSOCK_TEST_PYTHON;
  if (!python) {
    throw new Error(
      'WINDSOCK_TEST_PYTHON is not set, so fairlearn cannot be run: run this test through `npm run test:unit` ' +
        '(scripts/provision.sh makes the venv of test/python/requirements.txt and sets the variable)',
    );
  }
  const output = execFileSync(python, [script], { input: JSON.stringify({ cases }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  run = JSON.parse(output) as ReferenceRun;
  return run;
}

/** Every disagreement larger than TOLERANCE, named, so a failure says which value of which case. */
function differences(actual: number | null | undefined, expected: number | null | undefined, what: string): string[] {
  if (actual === null || expected === null || actual === undefined || expected === undefined) {
    return actual === expected ? [] : [`${what}: ours ${actual}, fairlearn ${expected}`];
  }
  return Math.abs(actual - expected) <= TOLERANCE ? [] : [`${what}: ours ${actual}, fairlearn ${expected}`];
}

describe('fairnessReport against fairlearn', () => {
  it('runs against the pinned fairlearn', () => {
    const pinned = /^fairlearn==(\S+)$/m.exec(readFileSync(requirements, 'utf8'))?.[1];
    expect(fairlearnReference().fairlearn).toBe(pinned);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const ours = fairnessReport(c).features;
    const expected = fairlearnReference().results[c.name]!;
    expect(Object.keys(ours)).toEqual(Object.keys(expected));
    const problems: string[] = [];
    for (const [feature, reference] of Object.entries(expected)) {
      const { groups: mineGroups, ...mine } = ours[feature]!;
      const { groups, ...metrics } = reference;
      expect(Object.keys(mineGroups).sort()).toEqual(Object.keys(groups).sort());
      expect(Object.keys(mine).sort()).toEqual(Object.keys(metrics).sort());
      const flat: Record<string, number | null | undefined> = mine;
      for (const [metric, value] of Object.entries(metrics)) problems.push(...differences(flat[metric], value, `${feature} ${metric}`));
      for (const [group, row] of Object.entries(groups)) {
        const mineRow: Record<string, number | undefined> = mineGroups[group]!;
        expect(Object.keys(mineRow).sort()).toEqual(Object.keys(row).sort());
        for (const [metric, value] of Object.entries(row)) problems.push(...differences(mineRow[metric], value, `${feature}=${group} ${metric}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers the edge cases it claims to', () => {
    const references = fairlearnReference().results;
    const region = (name: string) => references[name]!.region!;
    expect(region('binary, a group with no positives').groups.west).toMatchObject({ positives: 0, true_positive_rate: 0 });
    expect(Object.keys(region('binary, a category with no rows').groups).sort()).toEqual(['north', 'west']);
    expect(references['binary, a group of one row']!.g!.groups.c).toMatchObject({ rows: 1 });
    expect(references['binary, no group selected']!.g).toMatchObject({ demographic_parity_ratio: null, equalized_odds_ratio: null });
    expect(references['binary, perfect model']!.g).toMatchObject({ equalized_odds_difference: 0, equalized_odds_ratio: 1 });
    expect(references['5-class, class 0 favourable, a group with no positives']!.sex!.groups.male).toMatchObject({ positives: 0 });
    expect(region('3-class, no favourable class')).not.toHaveProperty('demographic_parity_difference');
  });
});

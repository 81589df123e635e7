// Every value of fairnessReport against fairlearn itself (test/python/fairness_reference.py, run with the
// tests' venv): random binary sets with 2 and 3 groups, and the edge cases where a rate is 0/0 (a group
// with no positives, a group of one row, no group selected, a perfect model), multi-class targets with
// and without a favourable class, and a category with no rows.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/statistics/seeded-random';
import { pinnedVersion, runReferenceScript, valueDifferences } from '../python/python-peers';
import { fairnessReport, type FairnessInput, type FeatureFairness } from '../../core/evaluation/fairness-metrics';

const TOLERANCE = 1e-9;

type Case = FairnessInput & { name: string };
type Reference = Record<string, Omit<FeatureFairness, 'groups'> & { groups: Record<string, Record<string, number | null>> }>;

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
  const next = mulberry32(o.seed);
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

/** fairlearn's numbers for all cases, from one Python process (run inside each test: see python-peers.ts). */
function fairlearnReference(): ReferenceRun {
  run ??= runReferenceScript<ReferenceRun>('fairness_reference.py', { cases }, 'fairlearn');
  return run;
}

const differences = valueDifferences('fairlearn', TOLERANCE);

// The first test starts Python and imports fairlearn: seconds, more on a loaded host.
describe('fairnessReport against fairlearn', { timeout: 60_000 }, () => {
  it('runs against the pinned fairlearn', () => {
    const pinned = pinnedVersion('fairlearn');
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

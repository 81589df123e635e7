import { describe, expect, it } from 'vitest';
import { buildModelCard, renderModelCardMarkdown, type ModelCardInput } from './model-card';

const at = new Date('2026-11-30T10:00:00.000Z');
const input: ModelCardInput = {
  model: { name: 'bc', description: '' },
  version: {
    version: 3,
    status: 'rolled_back',
    statusReason: 'error rate 4.0%',
    createdAt: at,
    createdBy: 'alice',
    pipelineId: 'bc-0123456789abcdef',
    artifactUri: 'file:///a/model.onnx',
    artifactSha256: 'a'.repeat(64),
    signature: { inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }], outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }] },
    metrics: { f1: 0.912345, roc_auc: null },
    confusionMatrix: [[50, 2], [3, 45]],
    gate: { f1: { threshold: 0.85 } },
    lineage: { datasetUri: 'file:///d.csv', datasetSha256: 'd'.repeat(64), codeVersion: 'abc123', params: { epochs: 60 }, computeProvider: 'runner', computeJobId: 'job-1', computeCostUsd: 0.0123, jobMetrics: { rows: 455, class_counts: { B: 285, M: 170 } } },
  },
  approvals: [{ principal: 'bob', decision: 'approved', comment: 'fine |\nship it', decidedAt: at }],
  events: [
    { at, actor: 'windsock', event: 'pipeline.training', details: {} },
    { at, actor: 'windsock', event: 'rollout.weights', details: { percent: 10 } },
    { at, actor: 'windsock', event: 'rollout.rolled_back', details: { reason: 'error rate' } },
  ],
  champion: 2,
};

describe('model card', () => {
  it('takes the data, training, evaluation and rollout history from the records', () => {
    const card = buildModelCard(input);
    expect(card).toMatchObject({
      status: { status: 'rolled_back', reason: 'error rate 4.0%', champion: false },
      data: { rows: 455, classCounts: { B: 285, M: 170 }, features: ['features FP32 [-1, 30]'] },
      training: { compute: { provider: 'runner', jobId: 'job-1', costUsd: 0.0123 }, createdAt: '2026-11-30T10:00:00.000Z' },
      artifact: { outputs: ['probabilities FP32 [-1, 2]'] },
      serving: null,
    });
    expect(card.rollout.map((e) => e.event)).toEqual(['rollout.weights', 'rollout.rolled_back']);
  });

  it('renders Markdown with every section, missing values as -, and cells that cannot break a row', () => {
    const text = renderModelCardMarkdown(buildModelCard(input));
    for (const heading of ['## Data', '## Training', '## Evaluation (holdout)', '## Approvals', '## Rollout', '## Serving']) expect(text).toContain(heading);
    expect(text).toContain('_No description._');
    expect(text).toContain('| f1 | 0.9123 |');
    expect(text).toContain('| roc_auc | - |');
    expect(text).toContain('- approved by bob on 2026-11-30T10:00:00.000Z: fine \\| ship it');
    expect(text).toContain('$0.0123');
  });
});

describe('model card of a multi-class version', () => {
  const multi: ModelCardInput = {
    ...input,
    version: {
      ...input.version,
      classMetrics: { setosa: { precision: 1, recall: 0.9, f1: 0.947368, support: 10 }, 'odd|label': { precision: 0.5, recall: 1, f1: 0.666667, support: 2 } },
      lineage: { ...input.version.lineage, datasetUri: 'dataset://flowers/3', templateRevision: 4 },
    },
  };

  it('keeps the per-class metrics and the template revision', () => {
    const card = buildModelCard(multi);
    expect(card.evaluation.classMetrics).toEqual(multi.version.classMetrics);
    expect(card.training.templateRevision).toBe(4);
    expect(buildModelCard(input).evaluation.classMetrics).toBeNull();
  });

  it('renders a row per class and names the template revision', () => {
    const text = renderModelCardMarkdown(buildModelCard(multi));
    expect(text).toContain('| class | precision | recall | f1 | support |');
    expect(text).toContain('| setosa | 1 | 0.9000 | 0.9474 | 10 |');
    expect(text).toContain('| odd\\|label | 0.5000 | 1 | 0.6667 | 2 |');
    expect(text).toContain('- Template revision 4');
    expect(renderModelCardMarkdown(buildModelCard(input))).not.toContain('Per class:');
  });
});

describe('model card of a version with sensitive features', () => {
  const fairness: NonNullable<ModelCardInput['version']['fairness']> = {
    favorableClass: 'M',
    features: {
      sex: {
        groups: {
          female: { rows: 60, accuracy: 0.95, selection_rate: 0.4, positives: 25, true_positive_rate: 0.92, false_positive_rate: 0.0571428 },
          'x|y': { rows: 1, accuracy: 1, selection_rate: 0, positives: 0, true_positive_rate: 0, false_positive_rate: 0 },
        },
        accuracy_min_group: 0.95,
        accuracy_difference: 0.05,
        demographic_parity_difference: 0.4,
        demographic_parity_ratio: 0,
        equalized_odds_difference: 0.92,
        equalized_odds_ratio: null,
      },
    },
  };
  const withFairness: ModelCardInput = { ...input, version: { ...input.version, fairness } };

  it('keeps the fairness record, and null without one', () => {
    expect(buildModelCard(withFairness).evaluation.fairness).toEqual(fairness);
    expect(buildModelCard(input).evaluation.fairness).toBeNull();
  });

  it('renders a Fairness section with a row per group and the parity and equalized-odds figures', () => {
    const text = renderModelCardMarkdown(buildModelCard(withFairness));
    expect(text).toContain('## Fairness (holdout)');
    expect(text).toContain('Favourable class `M`');
    expect(text).toContain('### sex');
    expect(text).toContain('| group | rows | accuracy | selection rate | positives | TPR | FPR |');
    expect(text).toContain('| female | 60 | 0.9500 | 0.4000 | 25 | 0.9200 | 0.0571 |');
    expect(text).toContain('| x\\|y | 1 | 1 | 0 | 0 | 0 | 0 |');
    expect(text).toContain('- Demographic parity difference: 0.4000 (ratio 0)');
    expect(text).toContain('- Equalized odds difference: 0.9200 (ratio -)');
    expect(text.indexOf('## Fairness')).toBeGreaterThan(text.indexOf('## Evaluation'));
    expect(text.indexOf('## Fairness')).toBeLessThan(text.indexOf('## Approvals'));
    expect(renderModelCardMarkdown(buildModelCard(input))).not.toContain('## Fairness');
  });

  it('compares accuracy only when there is no favourable class', () => {
    const accuracyOnly: ModelCardInput = {
      ...input,
      version: {
        ...input.version,
        fairness: { favorableClass: null, features: { region: { groups: { north: { rows: 40, accuracy: 0.8 } }, accuracy_min_group: 0.8, accuracy_difference: 0 } } },
      },
    };
    const text = renderModelCardMarkdown(buildModelCard(accuracyOnly));
    expect(text).toContain('groups are compared by accuracy only');
    expect(text).toContain('| north | 40 | 0.8000 |');
    expect(text).toContain('- Lowest group accuracy: 0.8000 (difference 0)');
    expect(text).not.toContain('Demographic parity');
  });
});

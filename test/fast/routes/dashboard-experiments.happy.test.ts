// What a pipeline's experiments found, on its page and on its version's: the tuning trials (params,
// state, objective, time, cost, and each curve as a chart's data), cross-validation (mean ± std and
// each fold) and fairness per sensitive feature; and a pipeline without them shows no such section.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../../contracts/model-pipeline-messages';
import { modelSignatureSchema } from '../../../core/serving/model-signature';
import servingFixture from '../../fixtures/breast-cancer-serving.json';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { page, signIn } from './dashboard-browserless';

let f: ControlFixture;
let cookie: string;
beforeAll(async () => {
  f = await openControlFixture('dashboard-experiments');
  await f.reset();
  ({ cookie } = await signIn(f.app, 'carol'));
});
afterAll(() => f?.close());

const tuned = 'breast-cancer-00000000000000c1';
const plain = 'breast-cancer-00000000000000c2';

const crossValidation = {
  folds: 3,
  stratified: true,
  seed: 7,
  foldsDone: 3,
  validationRows: [152, 152, 151],
  metrics: { f1: { mean: 0.9512, std: 0.0123, values: [0.94, 0.95, 0.9636] }, roc_auc: { mean: 0.99, std: null, values: [0.99, null, 0.99] } },
};
const fairness = {
  favorableClass: 'malignant',
  features: {
    age_band: {
      groups: { young: { rows: 40, accuracy: 0.95, selection_rate: 0.3, positives: 12, true_positive_rate: 0.9167, false_positive_rate: 0.0357 }, old: { rows: 60, accuracy: 0.9, selection_rate: 0.45, positives: 27, true_positive_rate: 0.963, false_positive_rate: 0.0606 } },
      accuracy_min_group: 0.9,
      accuracy_difference: 0.05,
      demographic_parity_difference: 0.15,
      demographic_parity_ratio: 0.6667,
      equalized_odds_difference: 0.0463,
      equalized_odds_ratio: 0.5891,
    },
  },
};
const status: Partial<PipelineStatus> & Pick<PipelineStatus, 'stage' | 'submittedBy'> = {
  stage: 'awaiting_approval',
  submittedBy: 'alice',
  version: 3,
  metrics: { f1: 0.96 },
  tuning: { objective: 'val_loss', direction: 'minimize', strategy: 'tpe', trials: 3, parallelism: 2, pruning: true, best: 2 },
  trials: [
    { n: 1, params: { lr: 0.01, hidden: 16 }, state: 'pruned', curve: [{ epoch: 1, value: 0.7 }, { epoch: 2, value: 0.65 }], objective: 0.65, seconds: 3.25, reason: 'best 0.65 by epoch 2 is worse than the median 0.4' },
    { n: 2, params: { lr: 0.003, hidden: 32 }, state: 'completed', curve: [{ epoch: 1, value: 0.5 }, { epoch: 2, value: 0.31 }, { epoch: 3, value: 0.2875 }], objective: 0.2875, seconds: 12.5, costUsd: 0.0042, jobId: 'job-2' },
    // A trial still running, with none of the optional fields yet.
    { n: 3, params: { lr: 0.1, hidden: 8 }, state: 'running', curve: [] },
  ],
  crossValidation,
  fairness,
};

describe('a tuning pipeline with cross-validation and fairness', () => {
  it('shows each trial’s params, state, objective, time and cost, the winner, and each curve as a chart', async () => {
    await f.reset();
    f.gateway.putPipeline(tuned, status);
    const res = await page(f.app, `/pipelines/${tuned}`, cookie);
    expect(res.status, res.html).toBe(200);
    expect(res.html).toContain('TPE search, minimising <strong>val_loss</strong>: 2 of 3 trials ended, 2 at a time, the median pruner stopping the worst');
    expect(res.html).toContain('<span data-testid="best-trial">trial 2 won</span>');
    const row = (n: number) => new RegExp(`<tr data-trial="${n}"[^>]*>(.*?)</tr>`).exec(res.html)?.[1];
    expect(row(1)).toContain('hidden=16, lr=0.0100');
    expect(row(1)).toContain('pruned: best 0.65 by epoch 2 is worse than the median 0.4');
    expect(row(1)).toContain('<td>0.6500</td><td>3.3 s</td><td>–</td>');
    expect(row(2)).toContain('completed');
    expect(row(2)).toContain('<td>0.2875</td><td>13 s</td><td>$0.0042</td>');
    expect(res.html).toMatch(/<tr data-trial="2" class="best">/);
    expect(row(3)).toContain('<td>–</td><td>–</td><td>–</td>');
    // The curves go to uPlot through data-chart: epochs on x, the objective's values.
    const chart = /<figure class="chart small" data-chart="([^"]+)" data-testid="trial-curve-2">/.exec(res.html);
    expect(chart).not.toBeNull();
    expect(JSON.parse(chart![1]!.replace(/&quot;/g, '"'))).toMatchObject({ x: [1, 2, 3], series: [{ label: 'val_loss', values: [0.5, 0.31, 0.2875] }], xLabel: 'epoch' });
    expect(res.html).not.toContain('data-testid="trial-curve-3"');
    expect(res.html).toContain('<script src="/assets/uPlot.iife.min.js"');
  });

  it('shows cross-validation per metric as mean ± std and each fold’s value, and fairness per group', async () => {
    await f.reset();
    f.gateway.putPipeline(tuned, status);
    const res = await page(f.app, `/pipelines/${tuned}`, cookie);
    expect(res.html).toContain('3 stratified folds (seed 7), validating on 152, 152, 151 rows');
    expect(res.html).toContain('<tr data-metric="f1"><td>f1</td><td>0.9512 ± 0.0123</td><td>0.9400</td><td>0.9500</td><td>0.9636</td></tr>');
    expect(res.html).toContain('<tr data-metric="roc_auc"><td>roc_auc</td><td>0.9900 ± –</td><td>0.9900</td><td>–</td><td>0.9900</td></tr>');
    expect(res.html).toContain('Favourable class malignant');
    expect(res.html).toContain('<td>young</td><td>40</td><td>0.9500</td><td>0.3000</td><td>12</td><td>0.9167</td><td>0.0357</td>');
    expect(res.html).toContain('demographic parity difference 0.1500 (ratio 0.6667)');
  });

  it('says how many folds are done while cross-validation runs', async () => {
    await f.reset();
    f.gateway.putPipeline(tuned, { stage: 'evaluating', submittedBy: 'alice', crossValidation: { folds: 5, stratified: false, seed: 1, foldsDone: 2, metrics: {} } });
    const res = await page(f.app, `/pipelines/${tuned}`, cookie);
    expect(res.html).toContain('5 folds (seed 1): 2 of 5 done');
    expect(res.html).toContain('No fold has been scored yet.');
    expect(res.html).not.toContain('data-testid="trials"');
  });
});

describe('a pipeline without experiments', () => {
  it('has no trials, cross-validation or fairness section, and loads no chart script', async () => {
    await f.reset();
    f.gateway.putPipeline(plain, { stage: 'awaiting_approval', submittedBy: 'alice', metrics: { f1: 0.9 } });
    const res = await page(f.app, `/pipelines/${plain}`, cookie);
    expect(res.status).toBe(200);
    for (const section of ['trials', 'cross-validation', 'fairness']) expect(res.html).not.toContain(`data-testid="${section}"`);
    expect(res.html).not.toContain('uPlot');
  });
});

describe('a version', () => {
  it('shows cross-validation and fairness from its model card, and the trials while its pipeline is still in Temporal', async () => {
    await f.reset();
    const { version } = await f.registry.registerVersion({
      modelName: 'breast-cancer',
      artifactUri: `file://${f.home}/artifacts/tuned.onnx`,
      artifactSha256: servingFixture.sha256,
      signature: modelSignatureSchema.parse(servingFixture.signature),
      metrics: { f1: 0.96 },
      confusionMatrix: [[1, 0], [0, 1]],
      fairness,
      gate: {},
      referenceProfile: servingFixture.referenceProfile,
      lineage: {
        datasetUri: 'file:///data.csv', datasetSha256: '0'.repeat(64), trainSplitUri: 'file:///train.csv', holdoutSplitUri: 'file:///holdout.csv',
        codeVersion: 'test', params: { lr: 0.003, hidden: 32 }, computeProvider: 'local', computeJobId: 'job-2', workflowId: tuned, runId: 'run-1',
        crossValidation: { folds: 3, stratified: true, seed: 7, metrics: crossValidation.metrics },
      },
      pipelineId: tuned,
      pipelineRunId: 'run-1',
      createdBy: 'alice',
    });
    const path = `/models/breast-cancer/versions/${version}`;
    // Temporal no longer has the pipeline: the card's sections, no trials.
    const gone = await page(f.app, path, cookie);
    expect(gone.status, gone.html).toBe(200);
    expect(gone.html).toContain('<td>0.9512 ± 0.0123</td>');
    expect(gone.html).toContain('<td>old</td><td>60</td><td>0.9000</td>');
    expect(gone.html).not.toContain('data-testid="trials"');

    f.gateway.putPipeline(tuned, status);
    const kept = await page(f.app, path, cookie);
    expect(kept.html).toContain('<span data-testid="best-trial">trial 2 won</span>');
    expect(kept.html).toContain('data-testid="trial-curve-1"');
  });
});

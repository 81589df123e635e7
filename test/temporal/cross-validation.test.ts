// A model whose template asks for 3-fold cross-validation, trained by the built-in tabular trainer on
// the breast-cancer example: the evaluating stage trains and scores one model per fold of the training
// split (real training processes, real ONNX), the status shows each metric's mean, standard deviation
// and fold values, a gate on cv_accuracy_mean passes (and a stricter one fails naming the value), and
// the version keeps them for its model card. A gate on a cv_ metric without crossValidation is a 400.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../config/project-root';
import { auth, exampleDataset, startHarness, type Harness } from './pipeline-harness';

const datasetSpec = JSON.parse(readFileSync(path.join(projectRoot, 'examples/breast-cancer/dataset-spec.json'), 'utf8')) as Record<string, unknown>;
const above = (threshold: number) => ({ threshold, greater_is_better: true });
const template = {
  name: 'cancer-cv',
  description: 'breast cancer, cross-validated',
  datasetSpec,
  params: { epochs: 40, seed: 7, hidden: [32] },
  gate: { accuracy: above(0.8), cv_accuracy_mean: above(0.8) },
  evaluation: { crossValidation: { folds: 3 } },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness('cross-validation');
});
afterAll(async () => h?.close());

/** The sample standard deviation, computed here independently of core/evaluation/cross-validation.ts. */
function sampleStd(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.map((v) => (v - mean) ** 2).reduce((a, b) => a + b, 0) / (values.length - 1));
}

describe('cross-validation in the evaluating stage', () => {
  it('refuses a gate on a cv_ metric for a template that does not cross-validate', async () => {
    const { evaluation: _none, ...plain } = template;
    const refused = await h.request('POST', '/v1/models', { as: 'erin', body: { ...plain, name: 'cancer-no-cv' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('body.gate.cv_accuracy_mean');
    expect(refused.body.error.message).toContain('set evaluation.crossValidation');
    expect((await h.request('GET', '/v1/models/cancer-no-cv', { as: 'carol' })).status).toBe(404);

    const tooMany = await h.request('POST', '/v1/models', { as: 'erin', body: { ...template, name: 'cancer-many-folds', evaluation: { crossValidation: { folds: 21 } } } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('evaluation.crossValidation.folds');
  });

  it('shows mean, std and fold values in the status, gates on them, and keeps them with the version and its card', async () => {
    const registered = await h.request('POST', '/v1/models', { as: 'erin', body: template });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body.template.evaluation).toEqual({ crossValidation: { folds: 3, stratified: true, parallelism: 1 } });

    const started = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'cancer-cv', dataset: exampleDataset } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.pipelineId as string;
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed'], 300_000);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');

    const cv = waiting.crossValidation!;
    expect(cv).toMatchObject({ folds: 3, stratified: true, seed: 42, foldsDone: 3 });
    // Every training row validated once: the folds' validation rows add up to the training split.
    expect(cv.validationRows!.reduce((a, b) => a + b, 0)).toBe(waiting.dataset!.trainRows);
    expect(Math.max(...cv.validationRows!) - Math.min(...cv.validationRows!)).toBeLessThanOrEqual(1);
    expect(cv.jobIds).toHaveLength(3);
    expect(new Set([...cv.jobIds!, waiting.training!.jobId]).size).toBe(4);
    for (const metric of ['accuracy', 'f1', 'roc_auc', 'f1_macro', 'log_loss']) {
      const { mean, std, values } = cv.metrics[metric]!;
      expect(values, metric).toHaveLength(3);
      const numbers = values as number[];
      expect(mean!, metric).toBeCloseTo(numbers.reduce((a, b) => a + b, 0) / 3, 12);
      expect(std!, metric).toBeCloseTo(sampleStd(numbers), 12);
      // Next to the holdout's metrics, under the names a gate uses.
      expect(waiting.metrics![`cv_${metric}_mean`]).toBe(mean);
      expect(waiting.metrics![`cv_${metric}_std`]).toBe(std);
    }
    expect(cv.metrics).not.toHaveProperty('support');
    expect(cv.metrics.accuracy!.mean!).toBeGreaterThan(0.8);
    expect(waiting.metrics!.accuracy).toBeGreaterThan(0.8);
    const cvCheck = waiting.gate!.checks.find((c) => c.metric === 'cv_accuracy_mean')!;
    expect(cvCheck).toMatchObject({ passed: true, candidate: cv.metrics.accuracy!.mean });

    expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: { comment: 'folds agree' } })).status).toBe(202);
    const done = await h.waitForStage(id, ['succeeded', 'failed']);
    expect(done.stage, JSON.stringify(done.error)).toBe('succeeded');

    const version = await h.request('GET', `/v1/models/cancer-cv/versions/${done.version}`, { as: 'carol' });
    expect(version.body.metrics.cv_accuracy_mean).toBe(cv.metrics.accuracy!.mean);
    const { foldsDone: _progress, ...kept } = cv;
    expect(version.body.lineage.crossValidation).toEqual(kept);

    const card = await h.request('GET', `/v1/models/cancer-cv/versions/${done.version}/card`, { as: 'carol' });
    expect(card.status).toBe(200);
    expect(card.body.evaluation.crossValidation).toEqual(kept);
    const markdown = await h.app.request(`/v1/models/cancer-cv/versions/${done.version}/card`, { headers: { ...auth('carol'), accept: 'text/markdown' } });
    const text = await markdown.text();
    expect(text).toContain('## Cross-validation (training split)');
    expect(text).toContain(`| accuracy | ${cv.metrics.accuracy!.mean!.toFixed(4)} | ${cv.metrics.accuracy!.std!.toFixed(4)} | ${(cv.metrics.accuracy!.values as number[]).map((v) => v.toFixed(4)).join(' | ')} |`);
  });

  it('fails the pipeline when the cross-validated mean misses the gate, naming the value', async () => {
    const started = await h.request('POST', '/v1/pipelines', {
      as: 'alice',
      body: { model: 'cancer-cv', dataset: exampleDataset, gate: { accuracy: above(0.8), cv_accuracy_mean: above(0.999) } },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const failed = await h.waitForStage(started.body.pipelineId, ['failed', 'awaiting_approval'], 300_000);
    expect(failed.stage).toBe('failed');
    const mean = failed.crossValidation!.metrics.accuracy!.mean!;
    expect(mean).toBeLessThan(0.999);
    expect(failed.error).toMatchObject({ code: 'gate_failed' });
    expect(failed.error!.message).toContain(`cv_accuracy_mean = ${mean} fails threshold >= 0.999`);
    expect(failed.version).toBeUndefined();
  });

  it('fails, naming the class, when a class has fewer training rows than folds', async () => {
    // Every benign row and 22 malignant ones (5.8%, above the 5% class-share check): 18 malignant in the training split.
    const [header, ...rows] = readFileSync(path.join(projectRoot, exampleDataset), 'utf8').trim().split('\n');
    const malignant = rows.filter((r) => r.endsWith(',malignant')).slice(0, 22);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-cv-rare-'));
    try {
      const file = path.join(dir, 'rare-malignant.csv');
      writeFileSync(file, [header, ...rows.filter((r) => r.endsWith(',benign')), ...malignant].join('\n') + '\n');
      const registered = await h.request('POST', '/v1/models', {
        as: 'erin',
        body: { ...template, name: 'cancer-cv-20', gate: { accuracy: above(0.5) }, evaluation: { crossValidation: { folds: 20 } } },
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      const started = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'cancer-cv-20', dataset: file } });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const failed = await h.waitForStage(started.body.pipelineId, ['failed', 'awaiting_approval'], 300_000);
      expect(failed.stage).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'dataset_invalid' });
      expect(failed.error!.message).toContain("stratified cross-validation with 20 folds needs at least 20 training rows of each class, one per validation fold: class 'malignant' has 18");
      expect(failed.crossValidation).toMatchObject({ folds: 20, foldsDone: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

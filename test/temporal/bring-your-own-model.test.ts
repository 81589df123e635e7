// A team brings its own model and data through the API alone, as the README's "Bring your own model"
// walks it: a maintainer uploads a CSV as a versioned dataset, has a spec proposed from it, and
// registers a model that names no job (the built-in tabular trainer); a submitter trains it on
// dataset://name, a second person approves, and the version serves raw rows at the serving side.
// Real dev server, real libSQL file, real training process, real ONNX on Node serving.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { projectRoot } from '../../config/project-root';
import { parseCsv } from '../../core/data/csv';
import { datasetSpecSchema } from '../../core/data/dataset-spec';
import { toFeatureMatrix } from '../../core/data/dataset-validation';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { retrainWorkflowId, type RetrainStatus } from '../../contracts/retrain-model-messages';
import { startHarness, type Harness } from './pipeline-harness';

const csv = readFileSync(path.join(projectRoot, 'test/fixtures/mixed-tabular.csv'), 'utf8');

let h: Harness;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
beforeAll(async () => {
  serving = await startNodeServingApp();
  h = await startHarness('byo-model', { edge: new EdgeClient({ baseUrl: 'http://serving.test', token: servingAdminToken, fetch: serving.fetch }) });
});
afterAll(async () => h?.close());

describe('bring your own model and data', () => {
  it('goes from an uploaded CSV to a served three-class model through the API', async () => {
    const uploaded = await h.request('PUT', '/v1/datasets/segments', { as: 'erin', raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    expect(uploaded.body).toMatchObject({ name: 'segments', version: 1, rows: 300, uri: 'dataset://segments/1', sha256: createHash('sha256').update(csv).digest('hex') });

    const proposed = await h.request('POST', '/v1/datasets/infer-spec?target=segment', { as: 'erin', body: { dataset: 'dataset://segments/1' } });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(200);
    const spec = datasetSpecSchema.parse(proposed.body.datasetSpec);
    expect(spec.target.classes).toHaveLength(3);
    expect(spec.features.map((f) => f.name)).toEqual(['age', 'income', 'score', 'colour', 'plan']);

    const registered = await h.request('POST', '/v1/models', {
      as: 'erin',
      body: {
        name: 'segments',
        description: 'customer segment from a few attributes',
        // plan is compared across its groups; a three-class target with no favourable class: by accuracy.
        datasetSpec: { ...proposed.body.datasetSpec, sensitiveFeatures: ['plan'] },
        params: { epochs: 60, seed: 7 },
        gate: { f1_macro: { threshold: 0.5, greater_is_better: true }, 'accuracy_min_group:plan': { threshold: 0.2, greater_is_better: true } },
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body.template.job.command).toEqual(['python', 'jobs/tabular/train.py']);

    const started = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'segments', dataset: 'dataset://segments' } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.pipelineId as string;
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.templateRevision).toBe(1);
    expect(waiting.dataset).toMatchObject({ rowCount: 300, sha256: uploaded.body.sha256 });
    // A three-class model without a positive class: macro and one-vs-rest metrics, no binary ones.
    expect(waiting.metrics!.f1_macro).toBeGreaterThan(0.5);
    expect(waiting.metrics!.roc_auc_ovr).toBeGreaterThan(0.5);
    expect(waiting.metrics).not.toHaveProperty('roc_auc');
    expect(waiting.metrics!['accuracy_min_group:plan']).toBeGreaterThan(0.2);
    expect(waiting.fairness).toMatchObject({ favorableClass: null, features: { plan: expect.any(Object) } });

    expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: { comment: 'segments look right' } })).status).toBe(202);
    const done = await h.waitForStage(id, ['succeeded', 'failed']);
    expect(done.stage, JSON.stringify(done.error)).toBe('succeeded');

    const version = await h.request('GET', `/v1/models/segments/versions/${done.version}`, { as: 'carol' });
    expect(version.body.lineage).toMatchObject({ datasetUri: 'dataset://segments/1', datasetSha256: uploaded.body.sha256, templateRevision: 1 });
    expect(Object.keys(version.body.classMetrics).sort()).toEqual([...spec.target.classes].sort());
    expect(version.body.confusionMatrix).toHaveLength(3);
    expect(version.body.fairness).toEqual(waiting.fairness);
    expect(version.body.signature.inputs[0].shape).toEqual([-1, spec.features.length]);

    // Raw rows in (numbers as they are, a category as its index), probabilities over the three classes out.
    const table = parseCsv(csv);
    const { features } = toFeatureMatrix(spec, table);
    const row = features.find((r) => r.every(Number.isFinite))!;
    const inferred = await serving.fetch('http://serving.test/v2/models/segments/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, row.length], data: row }] }),
    });
    expect(inferred.status, await inferred.clone().text()).toBe(200);
    const { outputs } = (await inferred.json()) as { outputs: Array<{ data: number[] }> };
    expect(outputs[0]!.data).toHaveLength(3);
    expect(outputs[0]!.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    // The model's card tells the same story: the dataset version, the template revision, each class.
    const card = await h.request('GET', `/v1/models/segments/versions/${done.version}/card`, { as: 'carol' });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ data: { uri: 'dataset://segments/1' }, training: { templateRevision: 1 }, evaluation: { classMetrics: version.body.classMetrics } });
  });

  it('makes the next template revision on PUT, and the next pipeline records it', async () => {
    const current = await h.request('GET', '/v1/models/segments', { as: 'carol' });
    const revised = await h.request('PUT', '/v1/models/segments', { as: 'erin', body: { ...current.body.template, description: current.body.description, params: { epochs: 40, seed: 7 } } });
    expect(revised.status, JSON.stringify(revised.body)).toBe(200);
    expect(revised.body.revision).toBe(2);
    const started = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'segments', dataset: 'dataset://segments/1', rollout: false } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const waiting = await h.waitForStage(started.body.pipelineId, ['awaiting_approval', 'failed']);
    expect(waiting.templateRevision).toBe(2);
    expect((await h.request('POST', `/v1/pipelines/${started.body.pipelineId}/cancel`, { as: 'alice' })).status).toBe(202);
  });

  it('retrains on each new version of the dataset once the model follows it, the uploader as submitter', async () => {
    const current = await h.request('GET', '/v1/models/segments', { as: 'carol' });
    const following = { ...current.body.template, description: current.body.description, retrain: { dataset: 'dataset://segments', onNewData: true } };
    expect((await h.request('PUT', '/v1/models/segments', { as: 'erin', body: following })).status).toBe(200);

    // Forty more rows: the first forty with their score moved a little (exact repeats would fail the duplicate check).
    const nudged = csv.split('\n').slice(1, 41).map((line) => line.split(',').map((cell, i) => (i === 2 ? String((Number(cell) || 0) + 0.001) : cell)).join(','));
    const more = csv + nudged.join('\n') + '\n';
    const uploaded = await h.request('PUT', '/v1/datasets/segments', { as: 'erin', raw: more, headers: { 'content-type': 'text/csv' } });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    expect(uploaded.body).toMatchObject({ version: 2, retrains: [{ model: 'segments', requested: true }] });

    const retrain = h.client.workflow.getHandle(retrainWorkflowId('segments'));
    let pipelineId: string | undefined;
    for (const by = Date.now() + 60_000; !pipelineId && Date.now() < by; ) {
      pipelineId = (await retrain.query<RetrainStatus>('retrainStatus').catch(() => undefined))?.pipelineId;
      if (!pipelineId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pipelineId, 'the upload started no retrain pipeline').toBeDefined();
    const ended = await h.waitForStage(pipelineId!, ['awaiting_approval', 'not_better', 'failed']);
    expect(['awaiting_approval', 'not_better'], JSON.stringify(ended.error)).toContain(ended.stage);
    expect(ended).toMatchObject({ submittedBy: 'erin', templateRevision: 3, retrain: { source: 'new_data', datasetLocation: 'dataset://segments' }, dataset: { rowCount: 340 } });
    if (ended.stage === 'awaiting_approval') {
      expect((await h.request('POST', `/v1/pipelines/${pipelineId}/cancel`, { as: 'erin' })).status).toBe(202);
    }
  });
});

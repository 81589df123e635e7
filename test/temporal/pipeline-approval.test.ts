// A model goes from dataset to champion: real dev server, real libSQL file, real PyTorch job, real ONNX.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { temporalCliPath } from '../../scripts/temporal-dev-server';
import { EdgeClient } from '../../activities/edge-client';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
beforeAll(async () => {
  serving = await startNodeServingApp();
  h = await startHarness('approval', { edge: new EdgeClient({ baseUrl: 'http://serving.test', token: servingAdminToken, fetch: serving.fetch }) });
});
afterAll(async () => h?.close());

async function submit(body: Record<string, unknown> = {}, headers: Record<string, string> = {}, as = 'dave') {
  const res = await h.request('POST', '/v1/pipelines', { as, body: { model: 'breast-cancer', dataset: exampleDataset, ...body }, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.pipelineId as string;
}

describe('modelPipeline through the control API', () => {
  it('validates, trains, evaluates, registers, waits for a second person, and promotes the champion', async () => {
    const id = await submit({}, { 'idempotency-key': `happy-${Date.now()}` });
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.version).toBe(1);
    expect(waiting.dataset).toMatchObject({ rowCount: 569, trainRows: 456, holdoutRows: 113 });
    expect(waiting.metrics!.accuracy).toBeGreaterThan(0.9);
    expect(waiting.metrics!.roc_auc).toBeGreaterThan(0.9);
    expect(waiting.gate!.passed).toBe(true);
    expect(waiting.approval!.deadline).toBeTruthy();

    // dave holds the approver role but submitted this pipeline: four-eyes refuses him.
    const own = await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'dave', body: {} });
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/four-eyes/);
    const notApprover = await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'alice', body: {} });
    expect(notApprover.status).toBe(403);
    expect(notApprover.body.error.message).toMatch(/needs approver/);

    const approved = await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: { comment: 'holdout looks good' } });
    expect(approved.status).toBe(202);
    const done = await h.waitForStage(id, ['succeeded', 'failed']);
    expect(done.stage).toBe('succeeded');
    expect(done.promoted).toEqual({ version: 1, previous: null });

    const model = await h.request('GET', '/v1/models/breast-cancer', { as: 'carol' });
    expect(model.status).toBe(200);
    expect(model.body.aliases.champion.version).toBe(1);

    const v1 = await h.request('GET', '/v1/models/breast-cancer/versions/1', { as: 'carol' });
    expect(v1.status).toBe(200);
    expect(v1.body.status).toBe('approved');
    const artifact = readFileSync(fileURLToPath(v1.body.artifactUri));
    expect(v1.body.artifactSha256).toBe(createHash('sha256').update(artifact).digest('hex'));
    expect(v1.body.signature).toEqual({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
    });
    expect(v1.body.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(113);
    expect(v1.body.referenceProfile.features).toHaveLength(30);
    expect(v1.body.lineage).toMatchObject({
      datasetSha256: createHash('sha256').update(readFileSync(exampleDataset)).digest('hex'),
      computeProvider: 'local',
      workflowId: id,
      params: { epochs: 60 },
    });
    expect(v1.body.approvals).toMatchObject([{ principal: 'bob', decision: 'approved', comment: 'holdout looks good' }]);
    const events = v1.body.audit.map((e: { event: string }) => e.event);
    for (const event of ['pipeline.started', 'pipeline.training', 'version.registered', 'approval.requested', 'approval.approved', 'pipeline.rolling_out', 'rollout.promoted', 'alias.moved', 'pipeline.succeeded']) {
      expect(events).toContain(event);
    }

    // The first version rolled out to the serving side (same admin routes as the edge) on approval,
    // straight to all traffic; publishing it again by hand changes nothing.
    expect(done.rollout).toMatchObject({ stableVersion: null, outcome: { result: 'promoted' } });
    expect(await new EdgeClient({ baseUrl: 'http://serving.test', token: servingAdminToken, fetch: serving.fetch }).getTraffic('breast-cancer')).toMatchObject({ weights: { '1': 100 } });
    const published = await h.request('POST', '/v1/models/breast-cancer/versions/1/publish', { as: 'root' });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body.published).toBe('unchanged');
    expect((await h.request('POST', '/v1/models/breast-cancer/versions/1/publish', { as: 'bob' })).status).toBe(403);
    const row = readFileSync(exampleDataset, 'utf8').split('\n')[1]!.split(',').slice(0, 30).map(Number);
    const inferred = await serving.fetch('http://serving.test/v2/models/breast-cancer/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: row }] }),
    });
    expect(inferred.status).toBe(200);
    const prediction = (await inferred.json()) as { model_version: string; outputs: Array<{ data: number[] }> };
    expect(prediction.model_version).toBe('1');
    expect(prediction.outputs[0]!.data[0]).toBeGreaterThan(0.5); // the first row is malignant

    // Refreshes the committed history that the replay test checks new workflow code against.
    // WINDSOCK_RECORD_HISTORY names a directory: the pipeline's and its rollout's histories go there.
    if (process.env.WINDSOCK_RECORD_HISTORY) {
      for (const [workflowId, name] of [[id, 'model-pipeline-approved'], [`${id}-rollout`, 'canary-rollout-first-version']]) {
        const history = execFileSync(temporalCliPath(), ['workflow', 'show', '-w', workflowId!, '--address', inject('temporalAddress'), '-o', 'json']);
        writeFileSync(`${process.env.WINDSOCK_RECORD_HISTORY}/${name}.history.json`, history);
      }
    }
  });
});

// Drift-triggered retraining end to end on a real dev server and the Node inference app as the edge:
// traffic like the reference starts nothing; drifted traffic, with the monitor run 50 times at once,
// starts exactly one retraining pipeline through the edge's Temporal HTTP gateway; the cooldown then
// holds.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { FetchTemporalGateway } from '../../api/temporal/fetch-temporal-gateway';
import { UriDatasetResolver } from '../../api/serving/uri-dataset-resolver';
import { pipelineTemplateSchema } from '../../core/pipeline/pipeline-template';
import { projectRoot } from '../../config/project-root';
import { retrainWorkflowId, type RetrainStatus } from '../../contracts/retrain-model-messages';
import fixture from '../fixtures/breast-cancer-serving.json';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

// Its own model name: retrain:<model> is one workflow id on the dev server the test files share.
const MODEL = 'bc-drift';
const fixtureModel = path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx');
const admin = (init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${servingAdminToken}`, 'content-type': 'application/json', ...init.headers } });

let h: Harness;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
let freshData: string;

async function send(rows: number[][], times: number): Promise<void> {
  for (let n = 0; n < times; n++) {
    const res = await serving.fetch(`http://edge.test/v2/models/${MODEL}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 30], data: rows.flat() }] }),
    });
    expect(res.status).toBe(200);
  }
  await serving.fetch('http://edge.test/admin/flush', admin({ method: 'POST' }));
}

async function runMonitor(): Promise<any[]> {
  const res = await serving.fetch('http://edge.test/admin/drift-monitor/run', admin({ method: 'POST' }));
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: any[] }).results;
}

beforeAll(async () => {
  freshData = mkdtempSync(path.join(os.tmpdir(), 'windsock-fresh-'));
  copyFileSync(path.join(projectRoot, exampleDataset), path.join(freshData, 'batch-0001.csv'));
  // The worker publishes to the serving app, which reaches Temporal (for retrain requests) through
  // the HTTP API on the harness's task queue: the app is made once the harness exists.
  h = await startHarness('drift-retrain', { edge: new EdgeClient({ baseUrl: 'http://edge.test', token: servingAdminToken, fetch: (url, init) => serving.fetch(url, init) }) });
  serving = await startNodeServingApp({
    pipelines: { gateway: new FetchTemporalGateway({ baseUrl: inject('temporalHttpAddress'), namespace: 'default' }), taskQueue: h.taskQueue, datasets: new UriDatasetResolver([]) },
  });
  const template = (await h.registry.getModel('breast-cancer'))!.template;
  await h.registry.saveTemplate(MODEL, pipelineTemplateSchema.parse({ ...template, retrain: { dataset: freshData } }), 'drift test', 'test');
});
afterAll(async () => {
  await serving?.close();
  await h?.close();
  rmSync(freshData, { recursive: true, force: true });
});

describe('drift-triggered retraining', () => {
  it('serves a champion with a retrain policy', async () => {
    const id = await h.submit({ model: MODEL, job: { command: ['python', 'jobs/instant/emit_model.py'] }, params: { model_path: fixtureModel }, rollout: { strategy: 'all_at_once' } }, 'drift-champion', 'root');
    expect((await h.waitForStage(id, ['awaiting_approval', 'failed'])).stage).toBe('awaiting_approval');
    await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} });
    expect((await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed'])).stage).toBe('succeeded');

    const bad = await serving.fetch(`http://edge.test/admin/models/${MODEL}/retrain-policy`, admin({ method: 'PUT', body: JSON.stringify({ minSamples: -1 }) }));
    expect(bad.status).toBe(400);
    const put = await serving.fetch(`http://edge.test/admin/models/${MODEL}/retrain-policy`, admin({ method: 'PUT', body: JSON.stringify({ minSamples: 300, cooldown: '1h' }) }));
    expect(put.status).toBe(200);
    expect(((await put.json()) as any).retrainPolicy).toMatchObject({ enabled: true, minSamples: 300, cooldown: 3600 });
  });

  it('starts nothing for traffic drawn from the reference', async () => {
    await send(fixture.holdoutRows, 4); // 452 rows
    const results = await runMonitor();
    const decision = results.find((r) => r.model === MODEL)?.retrain;
    expect(decision?.trigger, decision?.message).toBe(false);
    expect(['no_drift', 'below_share']).toContain(decision.reason);
    expect(await h.client.workflow.getHandle(retrainWorkflowId(MODEL)).describe().catch(() => undefined)).toBeUndefined();
  });

  it('starts exactly one retraining pipeline for drifted traffic, however many monitor runs fire at once', async () => {
    await send(fixture.shiftedRows, 20); // 2,260 rows: the window is mostly drifted
    const runs = await Promise.all(Array.from({ length: 50 }, () => runMonitor()));
    const requested = runs.map((r) => r.find((x: any) => x.model === MODEL)?.retrain).filter((r) => r?.requested);
    expect(requested.length).toBeGreaterThanOrEqual(1);
    expect(requested[0]).toMatchObject({ trigger: true, reason: 'drift' });

    const handle = h.client.workflow.getHandle(retrainWorkflowId(MODEL));
    let status: RetrainStatus | undefined;
    for (const by = Date.now() + 60_000; !status?.pipelineId && Date.now() < by; ) {
      status = await handle.query<RetrainStatus>('retrainStatus').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status!.cause).toMatchObject({ source: 'drift', requestedBy: 'drift-monitor', cooldownSeconds: 3600 });
    expect(status!.coalesced).toBe(requested.length - 1);
    const waiting = await h.waitForStage(status!.pipelineId!, ['awaiting_approval', 'not_better', 'failed'], 120_000);
    expect(waiting.retrain).toMatchObject({ source: 'drift', datasetLocation: freshData });
    const drift = await h.waitForNotification((n) => n.kind === 'drift_detected');
    expect(drift).toMatchObject({ model: MODEL, version: 1, pipelineId: status!.pipelineId });
    expect((drift as { driftedFeatures: string[] }).driftedFeatures.length).toBeGreaterThan(0);

    // One retrain workflow run, one pipeline.
    const runsOfRetrain = [];
    for await (const w of h.client.workflow.list({ query: `WorkflowId = '${retrainWorkflowId(MODEL)}'` })) runsOfRetrain.push(w);
    expect(runsOfRetrain).toHaveLength(1);

    // The cooldown holds at the edge: later monitor runs decide not to ask again.
    const again = (await runMonitor()).find((r) => r.model === MODEL)?.retrain;
    expect(again).toMatchObject({ trigger: false, reason: 'cooldown' });
    await handle.cancel();
  });
});

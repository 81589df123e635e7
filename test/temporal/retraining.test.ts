// Retraining through retrain:<model> on a real dev server, worker, registry and the Node inference app
// as the edge: a worse challenger ends not_better and leaves the edge untouched; a better one goes
// through approval and a canary to the edge; 50 concurrent requests make one pipeline; the cooldown
// drops drift requests after it.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { pipelineTemplateSchema, type PipelineTemplate } from '../../core/pipeline/pipeline-template';
import { projectRoot } from '../../config/project-root';
import { retrainWorkflowId, type RetrainRequest, type RetrainStatus } from '../../contracts/retrain-model-messages';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { sendTraffic } from './edge-traffic';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';
import { steadyCanaryPolicy } from './steady-canary-policy';

// Its own model name: retrain:<model> is one workflow id on the dev server the test files share.
const MODEL = 'bc-continuous';
// The weak champion and the retrained one predict very different class mixes (that is the point of
// retraining it), so the canary judges errors here, not the class mix.
const testPolicy = { ...steadyCanaryPolicy, maxPredictionDivergence: 1 };
const fastRollout = { strategy: 'canary' as const, steps: [50, 100], bakeSeconds: 1, policy: testPolicy };

let h: Harness;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
let edge: EdgeClient;
let freshData: string;
let traffic: { stop(): Promise<number> } | undefined;
let baseTemplate: PipelineTemplate;

/** Points the model's retraining at the fresh-data directory, with these hyperparameters. */
async function setTemplate(params: Record<string, unknown>, model = MODEL, retrain: Record<string, unknown> = {}): Promise<void> {
  const template = pipelineTemplateSchema.parse({ ...baseTemplate, params, rollout: fastRollout, retrain: { dataset: freshData, ...retrain } });
  await h.registry.saveTemplate(model, template, 'retraining test', 'test');
}

const weak = { epochs: 2, lr: 0.001, hidden: 4, seed: 42 };
const strong = { epochs: 60, lr: 0.01, hidden: 32, seed: 42 };

/** A weak first version of the model, approved and serving all its traffic. */
async function weakChampion(model: string): Promise<void> {
  const id = await h.submit({ model, rollout: fastRollout, gate: {} }, `weak-${model}`, 'root'); // loosens the model's gate and bake: an admin's
  const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
  expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
  await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} });
  expect((await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed'])).stage).toBe('succeeded');
}

async function retrainStatus(): Promise<RetrainStatus> {
  return h.client.workflow.getHandle(retrainWorkflowId(MODEL)).query<RetrainStatus>('retrainStatus');
}

/** The retrain workflow's pipeline once it has reached one of the stages. */
async function retrainPipeline(stages: string[]): Promise<any> {
  let pipelineId: string | undefined;
  for (const by = Date.now() + 60_000; !pipelineId && Date.now() < by; ) {
    pipelineId = (await retrainStatus().catch(() => undefined))?.pipelineId;
    if (!pipelineId) await new Promise((r) => setTimeout(r, 100));
  }
  expect(pipelineId, 'the retrain workflow started no pipeline').toBeDefined();
  try {
    return await h.waitForStage(pipelineId!, stages, 150_000);
  } catch (err) {
    const retrain = await h.client.workflow.getHandle(retrainWorkflowId(MODEL)).describe();
    throw new Error(`${(err as Error).message}; retrain workflow: ${retrain.status.name}, pending: ${JSON.stringify(retrain.raw.pendingActivities?.map((a) => [a.activityType?.name, a.lastFailure?.message]))}`, { cause: err });
  }
}

async function retrainDone(): Promise<RetrainStatus> {
  await h.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
  return (await h.client.workflow.getHandle(retrainWorkflowId(MODEL)).describe()).status.name === 'COMPLETED' ? retrainStatus() : Promise.reject(new Error('retrain did not complete'));
}

beforeAll(async () => {
  serving = await startNodeServingApp();
  edge = new EdgeClient({ baseUrl: 'http://edge.test', token: servingAdminToken, fetch: serving.fetch });
  h = await startHarness('retrain', { edge, gateway: 'http' });
  baseTemplate = (await h.registry.getModel('breast-cancer'))!.template;
  freshData = mkdtempSync(path.join(os.tmpdir(), 'windsock-fresh-'));
  copyFileSync(path.join(projectRoot, exampleDataset), path.join(freshData, 'batch-0001.csv'));
});
afterAll(async () => {
  await traffic?.stop();
  await serving?.close();
  await h?.close();
  rmSync(freshData, { recursive: true, force: true });
});

describe('retraining', () => {
  it('refuses a manual retrain for a model without retrain settings, starting nothing', async () => {
    const { retrain: _none, ...withoutRetrain } = baseTemplate;
    await h.registry.saveTemplate(MODEL, pipelineTemplateSchema.parse(withoutRetrain), 'retraining test', 'test');
    const res = await h.request('POST', `/v1/models/${MODEL}/retrain`, { as: 'root', body: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/no retrain settings/);
    expect((await h.request('GET', `/v1/models/${MODEL}/retrain`, { as: 'carol' })).status).toBe(404);
    expect((await h.request('POST', `/v1/models/${MODEL}/retrain`, { as: 'carol', body: {} })).status).toBe(403);
  });

  it('puts a first champion at the edge (a weak model: two epochs)', async () => {
    await setTemplate(weak);
    await weakChampion(MODEL);
    expect((await edge.getTraffic(MODEL))!.weights).toEqual({ '1': 100 });
    traffic = sendTraffic(serving.fetch, MODEL);
  });

  it('ends a challenger that is no better as not_better, registering nothing and leaving the edge alone', async () => {
    // The same weak settings on the same data make the same model: not better than the champion.
    const before = await h.registry.listVersions(MODEL);
    const res = await h.request('POST', `/v1/models/${MODEL}/retrain`, { as: 'root', body: { reason: 'test: same settings' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.workflowId).toBe(retrainWorkflowId(MODEL));
    const done = await retrainPipeline(['not_better', 'awaiting_approval', 'failed']);
    expect(done.stage, JSON.stringify(done.error ?? done.gate)).toBe('not_better');
    expect(done.notBetter.champion.version).toBe(1);
    expect(done.notBetter.challenger.roc_auc).toBeCloseTo(done.notBetter.champion.metrics.roc_auc, 9);
    expect(done.notBetter.failedChecks.join(' ')).toMatch(/roc_auc/);
    expect(done.retrain).toMatchObject({ source: 'manual', reason: 'test: same settings', datasetLocation: freshData });
    expect(await h.registry.listVersions(MODEL)).toHaveLength(before.length);
    expect((await edge.getTraffic(MODEL))!.weights).toEqual({ '1': 100 });
    const status = await retrainDone();
    expect(status).toMatchObject({ state: 'done', outcome: 'not_better', cause: { source: 'manual' } });
  });

  it('makes one pipeline of 50 concurrent requests, then drops drift requests during the cooldown', async () => {
    await setTemplate(strong);
    // Newer fresh data: the retrain must pick this file, not the older one.
    copyFileSync(path.join(projectRoot, exampleDataset), path.join(freshData, 'batch-0002.csv'));
    const drift: RetrainRequest = { source: 'drift', reason: 'test: drift share 0.6', requestedBy: 'edge-monitor', cooldownSeconds: 3 };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.client.workflow.signalWithStart('retrainModel', {
          workflowId: retrainWorkflowId(MODEL),
          taskQueue: h.taskQueue,
          args: [{ model: MODEL }],
          signal: 'retrainRequested',
          signalArgs: [drift],
        }),
      ),
    );
    expect(new Set(responses.map((r) => r.signaledRunId)).size).toBe(1);
    const waiting = await retrainPipeline(['awaiting_approval', 'not_better', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error ?? waiting.notBetter)).toBe('awaiting_approval');
    const version = await h.registry.requireVersion(MODEL, waiting.version);
    expect(version.lineage).toMatchObject({ datasetLocation: freshData, retrainSource: 'drift' });
    expect((version.lineage as { datasetUri: string }).datasetUri).toMatch(/batch-0002\.csv$/);
    expect((await retrainStatus()).coalesced).toBe(49);

    // The better challenger goes through approval and a canary to all traffic.
    await h.request('POST', `/v1/pipelines/${waiting.pipelineId}/approve`, { as: 'bob', body: {} });
    const promoted = await h.waitForStage(waiting.pipelineId, ['succeeded', 'rolled_back', 'failed'], 120_000);
    expect(promoted.stage, JSON.stringify(promoted.rollout?.outcome)).toBe('succeeded');
    expect((await edge.getTraffic(MODEL))!.weights).toEqual({ [String(waiting.version)]: 100 });

    // The cooldown: the workflow is still open and drops drift requests; then it closes.
    await h.client.workflow.signalWithStart('retrainModel', { workflowId: retrainWorkflowId(MODEL), taskQueue: h.taskQueue, args: [{ model: MODEL }], signal: 'retrainRequested', signalArgs: [drift] });
    const status = await retrainDone();
    expect(status).toMatchObject({ outcome: 'succeeded', coalesced: 49 });
    expect(status.droppedInCooldown).toBeGreaterThanOrEqual(1);
    const pipelines = (await h.registry.listAudit({ modelName: MODEL })).filter((e) => e.event === 'pipeline.started' && e.pipelineId?.includes('-retrain-'));
    expect(pipelines).toHaveLength(2); // the not_better one above and this one
  });

  it('auto-approves a retrain that beats an approved champion when the template allows it, and audits it', async () => {
    const model = 'bc-auto';
    await setTemplate(weak, model, { autoApprove: true });
    await weakChampion(model);
    const autoTraffic = sendTraffic(serving.fetch, model);
    try {
      await setTemplate(strong, model, { autoApprove: true });
      expect((await h.request('POST', `/v1/models/${model}/retrain`, { as: 'root', body: { reason: 'test: auto' } })).status).toBe(202);
      const handle = h.client.workflow.getHandle(retrainWorkflowId(model));
      const { pipelineId } = await handle.result();
      const done = await h.waitForStage(pipelineId!, ['succeeded', 'rolled_back', 'failed', 'not_better']);
      expect(done.stage, JSON.stringify(done.error ?? done.notBetter ?? done.rollout?.outcome)).toBe('succeeded');
      expect((await edge.getTraffic(model))!.weights).toEqual({ [String(done.version)]: 100 });
      const audit = await h.registry.listAudit({ pipelineId });
      expect(audit.map((e) => e.event)).toContain('approval.auto_approved');
      expect(audit.map((e) => e.event)).not.toContain('pipeline.awaiting_approval');
      expect(await h.registry.listApprovals(model, done.version!)).toMatchObject([{ principal: 'windsock-retrain (auto-approved)', decision: 'approved' }]);
    } finally {
      await autoTraffic.stop();
    }
  });
});

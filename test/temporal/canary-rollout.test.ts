// Approved versions reach traffic through canaryRollout: real dev server, worker, registry and the
// real inference app (onnxruntime-node) as the edge, with live traffic sent while each step bakes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { temporalCliPath } from '../../scripts/temporal-dev-server';
import { EdgeClient } from '../../activities/edge-client';
import { generateChangeKeys } from '../../contracts/serving-change-signature';
import { projectRoot } from '../../config/project-root';
import fixture from '../fixtures/breast-cancer-serving.json';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { sendTraffic } from './edge-traffic';
import { steadyCanaryPolicy } from './steady-canary-policy';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
let edge: EdgeClient;
let traffic: { stop(): Promise<number> } | undefined;

const fixtureModel = path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx');
const slowModel = path.join(projectRoot, 'test/fixtures/slow-model.onnx');
const constantClassModel = path.join(projectRoot, 'test/fixtures/constant-class-model.onnx');
const failingModel = path.join(projectRoot, 'test/fixtures/failing-model.onnx');
const instantJob = (modelPath: string) => ({ job: { command: ['python', 'jobs/instant/emit_model.py'] }, params: { model_path: modelPath } });
const fastRollout = { strategy: 'canary', steps: [10, 50, 100], bakeSeconds: 1, policy: steadyCanaryPolicy };

beforeAll(async () => {
  // Serving takes only changes the control plane signed: every publish and weight change below is.
  const keys = await generateChangeKeys();
  serving = await startNodeServingApp({ changePublicKey: keys.publicKey });
  edge = new EdgeClient({ baseUrl: 'http://edge.test', token: servingAdminToken, fetch: serving.fetch, signingKey: keys.privateKey });
  h = await startHarness('rollout', { edge });
});
afterAll(async () => {
  await traffic?.stop();
  await serving?.close();
  await h?.close();
});

async function approvedPipeline(body: Record<string, unknown>, key: string): Promise<string> {
  const res = await h.request('POST', '/v1/pipelines', {
    as: 'root',
    body: { model: 'breast-cancer', dataset: exampleDataset, rollout: fastRollout, ...body },
    headers: { 'idempotency-key': `${key}-${Date.now()}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = res.body.pipelineId as string;
  const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
  expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
  expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} })).status).toBe(202);
  return id;
}

const champion = async () => (await h.registry.getAlias('breast-cancer', 'champion'))?.version;

describe('canary rollout', () => {
  it('sends the first version straight to all traffic after its health check', async () => {
    const id = await approvedPipeline(instantJob(fixtureModel), 'first');
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage).toBe('succeeded');
    expect(done.rollout).toMatchObject({ stableVersion: null, outcome: { result: 'promoted' } });
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '1': 100 });
    expect(await champion()).toBe(1);
    traffic = sendTraffic(serving.fetch);
  });

  it('promotes a good version through every step, with each analysis in the status and audit log', async () => {
    const id = await approvedPipeline(instantJob(fixtureModel), 'good');
    const status = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(status.stage, JSON.stringify(status.rollout)).toBe('succeeded');
    const judged = status.rollout!.analyses.filter((a) => a.verdict !== 'hold');
    expect(judged.map((a) => [a.percent, a.verdict])).toEqual([[10, 'promote'], [50, 'promote']]);
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '2': 100 });
    expect(await champion()).toBe(2);
    const events = (await h.registry.listAudit({ pipelineId: id })).map((e) => e.event);
    expect(events.filter((e) => e === 'rollout.analysis').length).toBeGreaterThanOrEqual(2);
    expect(events).toContain('rollout.promoted');
    // Its model card: approved by bob, rolled out in steps, serving all traffic at the edge now.
    const card = (await h.request('GET', '/v1/models/breast-cancer/versions/2/card', { as: 'carol' })).body;
    expect(card).toMatchObject({ version: 2, status: { status: 'approved', champion: true }, approvals: [{ principal: 'bob', decision: 'approved' }], serving: { weight: 100 } });
    expect(card.rollout.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['rollout.weights', 'rollout.analysis', 'rollout.promoted']));
    if (process.env.WINDSOCK_RECORD_HISTORY) {
      const history = execFileSync(temporalCliPath(), ['workflow', 'show', '-w', `${id}-rollout`, '--address', inject('temporalAddress'), '-o', 'json']);
      writeFileSync(`${process.env.WINDSOCK_RECORD_HISTORY}/canary-rollout-promoted.history.json`, history);
    }
  });

  it('rolls back a version that predicts a different class mix, leaving the champion in place', async () => {
    // It calls every row malignant; an empty gate lets it through evaluation.
    const id = await approvedPipeline({ ...instantJob(constantClassModel), gate: {} }, 'divergent');
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage, JSON.stringify(done.rollout?.analyses)).toBe('rolled_back');
    expect(done.rollout!.outcome!.reason).toMatch(/predict/i);
    const notice = await h.waitForNotification((n) => n.kind === 'rollout_rolled_back' && n.pipelineId === id);
    expect(notice).toMatchObject({ model: 'breast-cancer', version: 3, stableVersion: 2 });
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '2': 100, '3': 0 });
    expect(await champion()).toBe(2);
    expect(await h.registry.requireVersion('breast-cancer', 3)).toMatchObject({ status: 'rolled_back' });
  });

  it('rolls back a version that fails on some inputs, on its error rate', async () => {
    const id = await approvedPipeline({ ...instantJob(failingModel), gate: {} }, 'failing');
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage, JSON.stringify(done.rollout?.analyses)).toBe('rolled_back');
    expect(done.rollout!.outcome!.reason).toMatch(/error rate/i);
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '2': 100, '4': 0 });
    expect(await champion()).toBe(2);
  });

  it('rolls back a slower version on its p95 latency', async () => {
    // The slow model spends ~15-30 ms per call against the fixture's fraction of a millisecond.
    const id = await approvedPipeline({ ...instantJob(slowModel), gate: {}, rollout: { ...fastRollout, policy: { ...steadyCanaryPolicy, maxLatencyRatio: 1.5, minLatencyDeltaMs: 5 } } }, 'slow');
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage, JSON.stringify(done.rollout?.analyses)).toBe('rolled_back');
    expect(done.rollout!.outcome!.reason).toMatch(/p95|latency/i);
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '2': 100, '5': 0 });
  });

  it('pauses and resumes, then aborts a rollout mid-way and restores stable', async () => {
    // A bake longer than the test: the first step is still baking whenever the pause arrives.
    const id = await approvedPipeline({ ...instantJob(fixtureModel), rollout: { ...fastRollout, bakeSeconds: 3600 } }, 'abort');
    const rolloutAt = async (stage: string) => {
      for (const by = Date.now() + 60_000; Date.now() < by; await new Promise((r) => setTimeout(r, 50))) {
        const status = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
        if (status.rollout?.stage === stage) return status;
      }
      throw new Error(`the rollout of ${id} never reached ${stage}`);
    };
    await rolloutAt('baking');
    expect((await h.request('POST', `/v1/pipelines/${id}/rollout/pause`, { as: 'bob', body: {} })).status).toBe(202);
    expect((await rolloutAt('paused')).rollout).toMatchObject({ stage: 'paused', percent: 10 });
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '2': 90, '6': 10 });
    expect((await h.request('POST', `/v1/pipelines/${id}/rollout/resume`, { as: 'bob', body: {} })).status).toBe(202);
    expect((await rolloutAt('baking')).rollout).toMatchObject({ percent: 10, analyses: [] });
    expect((await h.request('POST', `/v1/pipelines/${id}/rollout/abort`, { as: 'bob', body: { reason: 'saw enough' } })).status).toBe(202);
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage).toBe('rolled_back');
    expect(done.rollout!.outcome!.reason).toMatch(/aborted by bob: saw enough/);
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '2': 100, '6': 0 });
    expect(await champion()).toBe(2);
  });

  it('finishes a rollout correctly when the worker restarts mid-bake', async () => {
    const id = await approvedPipeline({ ...instantJob(fixtureModel), rollout: { ...fastRollout, bakeSeconds: 3 } }, 'restart');
    let status = await h.waitForStage(id, ['rolling_out']);
    while (status.rollout?.stage !== 'baking') {
      status = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
      await new Promise((r) => setTimeout(r, 50));
    }
    await h.restartWorker();
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage).toBe('succeeded');
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '7': 100 });
    expect(await champion()).toBe(7);
  });

  it('rolls the model back to an earlier version with one call', async () => {
    expect((await h.request('POST', '/v1/models/breast-cancer/rollback', { as: 'bob', body: { version: 2 } })).status).toBe(403);
    expect((await h.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: 3 } })).status).toBe(409);
    const res = await h.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: 2, reason: 'v7 regressed' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ champion: 2, previousChampion: 7 });
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '2': 100 });
    expect(await champion()).toBe(2);
    const served = await serving.fetch('http://edge.test/v2/models/breast-cancer/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: fixture.holdoutRows[0] }] }),
    });
    expect(served.headers.get('x-windsock-model-version')).toBe('2');
    expect(readFileSync(fixtureModel).length).toBeGreaterThan(0);
  });

  it('lets a rollback during a canary win: the rollout is aborted and its weights never come back', async () => {
    // A bake longer than the test: the canary is baking at 10% when the rollback comes.
    const id = await approvedPipeline({ ...instantJob(fixtureModel), rollout: { ...fastRollout, bakeSeconds: 3600 } }, 'rollback-wins');
    for (const by = Date.now() + 60_000; (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body.rollout?.stage !== 'baking'; ) {
      if (Date.now() > by) throw new Error(`the rollout of ${id} never started baking`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await h.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: 2, reason: 'canary looks off' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ champion: 2, abortedRollouts: [id] });
    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed']);
    expect(done.stage, JSON.stringify(done.rollout)).toBe('rolled_back');
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '2': 100 });
    expect(await champion()).toBe(2);
    expect(await h.registry.requireVersion('breast-cancer', done.version!)).toMatchObject({ status: 'rolled_back' });
  });
});

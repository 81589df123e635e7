// The rollout against the real edge: the worker publishes to and steers the Workers app under
// wrangler dev (workerd, onnxruntime-web, local D1 and R2) while clients call it over HTTP.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local-processes';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { generateChangeKeys } from '../../contracts/serving-change-signature';
import { formatPrincipals } from '../../core/auth/principals';
import { startWranglerDev, type WranglerDev } from '../../scripts/wrangler-dev';
import { projectRoot } from '../../config/project-root';
import { retrainWorkflowId, type RetrainStatus } from '../../contracts/retrain-model-messages';
import fixture from '../fixtures/breast-cancer-serving.json';
import { sendTraffic } from './edge-traffic';
import { steadyCanaryPolicy } from './steady-canary-policy';
import { principals, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let edgeServer: WranglerDev;
let edge: EdgeClient;


const instant = (model: string) => ({ job: { command: ['python', 'jobs/instant/emit_model.py'] }, params: { model_path: path.join(projectRoot, 'test/fixtures', model) } });
const rollout = { steps: [10, 100], bakeSeconds: 2, policy: steadyCanaryPolicy };

beforeAll(async () => {
  // The harness first: the edge sends retrain requests to the harness's task queue.
  const port = await freePort();
  // workerd takes only changes the control plane signed (the worker's WINDSOCK_CHANGE_PUBLIC_KEY).
  const keys = await generateChangeKeys();
  edge = new EdgeClient({ baseUrl: `http://127.0.0.1:${port}`, token: principals.find((p) => p.name === 'root')!.token, signingKey: keys.privateKey });
  h = await startHarness('workerd-rollout', { edge });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-wrangler-'));
  edgeServer = await startWranglerDev({
    port,
    persistTo: path.join(dir, 'state'),
    varsFile: path.join(dir, 'edge.vars'),
    vars: { WINDSOCK_TOKENS: formatPrincipals(principals), TEMPORAL_HTTP_URL: inject('temporalHttpAddress'), WINDSOCK_TASK_QUEUE: h.taskQueue, WINDSOCK_CHANGE_PUBLIC_KEY: keys.publicKey },
    stdio: 'ignore',
  });
}, 240_000);
afterAll(async () => {
  await h?.close();
  await edgeServer?.stop();
});

async function approved(body: Record<string, unknown>, key: string): Promise<string> {
  const id = await h.submit({ ...body, gate: {}, rollout }, key, 'root');
  expect((await h.waitForStage(id, ['awaiting_approval', 'failed'])).stage).toBe('awaiting_approval');
  expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} })).status).toBe(202);
  return id;
}

it('refuses an unsigned traffic change under the admin token', async () => {
  const res = await fetch(`${edgeServer.url}/admin/models/breast-cancer/traffic`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${principals.find((p) => p.name === 'root')!.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ weights: { '1': 100 } }),
  });
  expect(res.status).toBe(403);
  expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^the change is not signed/);
});

it('publishes to workerd, canaries a good version to all traffic and rolls back a bad one', async () => {
  const first = await approved(instant('breast-cancer-mlp.onnx'), 'first');
  expect((await h.waitForStage(first, ['succeeded', 'rolled_back', 'failed'])).stage).toBe('succeeded');
  expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '1': 100 });

  const traffic = sendTraffic((url, init) => fetch(url.replace('http://edge.test', edgeServer.url), init));
  try {
    const good = await approved(instant('breast-cancer-mlp.onnx'), 'good');
    const promoted = await h.waitForStage(good, ['succeeded', 'rolled_back', 'failed'], 180_000);
    expect(promoted.stage, JSON.stringify(promoted.rollout?.analyses)).toBe('succeeded');
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '2': 100 });

    const bad = await approved(instant('constant-class-model.onnx'), 'bad');
    const rolledBack = await h.waitForStage(bad, ['succeeded', 'rolled_back', 'failed'], 180_000);
    expect(rolledBack.stage, JSON.stringify(rolledBack.rollout?.analyses)).toBe('rolled_back');
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '2': 100, '3': 0 });
    expect((await h.registry.getAlias('breast-cancer', 'champion'))?.version).toBe(2);
  } finally {
    expect(await traffic.stop()).toBeGreaterThan(0);
  }
});

it('starts one retraining pipeline when workerd sees drift, however many monitor runs fire at once', async () => {
  // Its own model: retrain:<model> is one workflow id on the dev server the test files share.
  const model = 'bc-workerd';
  const template = (await h.registry.getModel('breast-cancer'))!.template;
  await h.registry.saveTemplate(model, { ...template, retrain: { dataset: 'examples/breast-cancer/data/', minImprovement: 1e-6, autoApprove: false, onNewData: false } }, 'workerd drift test', 'test');
  const champion = await approved({ model, ...instant('breast-cancer-mlp.onnx') }, 'drift-champion');
  expect((await h.waitForStage(champion, ['succeeded', 'rolled_back', 'failed'])).stage).toBe('succeeded');

  const admin = { authorization: `Bearer ${principals.find((p) => p.name === 'root')!.token}`, 'content-type': 'application/json' };
  const put = await fetch(`${edgeServer.url}/admin/models/${model}/retrain-policy`, { method: 'PUT', headers: admin, body: JSON.stringify({ minSamples: 300, cooldown: '1h' }) });
  expect(put.status).toBe(200);
  const rows = fixture.shiftedRows;
  for (let n = 0; n < 10; n++) {
    const res = await fetch(`${edgeServer.url}/v2/models/${model}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 30], data: rows.flat() }] }),
    });
    expect(res.status).toBe(200);
  }
  await fetch(`${edgeServer.url}/admin/flush`, { method: 'POST', headers: admin });
  const runs = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const res = await fetch(`${edgeServer.url}/admin/drift-monitor/run`, { method: 'POST', headers: admin });
      expect(res.status).toBe(200);
      return ((await res.json()) as { results: Array<{ model: string; retrain?: { requested?: boolean } }> }).results.find((r) => r.model === model);
    }),
  );
  expect(runs.filter((r) => r?.retrain?.requested).length).toBeGreaterThanOrEqual(1);

  const handle = h.client.workflow.getHandle(retrainWorkflowId(model));
  let status: RetrainStatus | undefined;
  for (const by = Date.now() + 60_000; !status?.pipelineId && Date.now() < by; ) {
    status = await handle.query<RetrainStatus>('retrainStatus').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(status).toMatchObject({ cause: { source: 'drift', requestedBy: 'drift-monitor' } });
  const retrains = [];
  for await (const w of h.client.workflow.list({ query: `WorkflowId = '${retrainWorkflowId(model)}'` })) retrains.push(w);
  expect(retrains).toHaveLength(1);
  await handle.cancel();
}, 240_000);

// The rollout against the real edge: the worker publishes to and steers the Workers app under
// wrangler dev (workerd, onnxruntime-web, local D1 and R2) while clients call it over HTTP.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local-processes';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { formatPrincipals } from '../../core/principals';
import { startWranglerDev, type WranglerDev } from '../../scripts/wrangler-dev';
import { projectRoot } from '../../worker/activity-deps-from-env';
import { sendTraffic } from './edge-traffic';
import { principals, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let edgeServer: WranglerDev;
let edge: EdgeClient;


const instant = (model: string) => ({ job: { command: ['python', 'jobs/instant/emit_model.py'] }, params: { model_path: path.join(projectRoot, 'test/fixtures', model) } });
const rollout = { steps: [10, 100], bakeSeconds: 2, policy: { minRequests: 20, maxExtensions: 15, predictionDivergencePValue: 0.001, maxLatencyRatio: 4, minLatencyDeltaMs: 50 } };

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-wrangler-'));
  edgeServer = await startWranglerDev({
    port: await freePort(),
    persistTo: path.join(dir, 'state'),
    varsFile: path.join(dir, 'edge.vars'),
    vars: { WINDSOCK_TOKENS: formatPrincipals(principals), TEMPORAL_HTTP_URL: inject('temporalHttpAddress') },
    stdio: 'ignore',
  });
  edge = new EdgeClient({ baseUrl: edgeServer.url, token: principals.find((p) => p.name === 'root')!.token });
  h = await startHarness('workerd-rollout', { edge });
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

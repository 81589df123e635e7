// A rollout keeps no state outside Temporal: with the dev server itself stopped and started again
// mid-bake (state on a SQLite file), the rollout picks up where it was and finishes.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local-processes';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { startTemporalDevServer, type DevServer } from '../../scripts/temporal-dev-server';
import { projectRoot } from '../../config/project-root';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { sendTraffic } from './edge-traffic';
import { steadyCanaryPolicy } from './steady-canary-policy';
import { startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let server: DevServer;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
let edge: EdgeClient;
const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-restart-'));
let ports: { grpcPort: number; httpPort: number };


const startServer = () => startTemporalDevServer({ ...ports, headless: true, dbFile: path.join(dir, 'temporal.db') });
const model = path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx');
const body = (bakeSeconds: number) => ({
  job: { command: ['python', 'jobs/instant/emit_model.py'] },
  params: { model_path: model },
  rollout: { steps: [10, 100], bakeSeconds, policy: steadyCanaryPolicy },
});

beforeAll(async () => {
  ports = { grpcPort: await freePort(), httpPort: await freePort() };
  server = await startServer();
  serving = await startNodeServingApp();
  edge = new EdgeClient({ baseUrl: 'http://edge.test', token: servingAdminToken, fetch: serving.fetch });
  h = await startHarness('restarts', { edge, temporal: { address: server.address, httpAddress: server.httpAddress } });
});
afterAll(async () => {
  await h?.close();
  await serving?.close();
  await server?.stop();
});

async function approve(id: string) {
  expect((await h.waitForStage(id, ['awaiting_approval', 'failed'])).stage).toBe('awaiting_approval');
  expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} })).status).toBe(202);
}

it('finishes a rollout after the Temporal server restarts mid-bake', async () => {
  const first = await h.submit(body(1), 'first', 'root');
  await approve(first);
  expect((await h.waitForStage(first, ['succeeded', 'rolled_back', 'failed'])).stage).toBe('succeeded');
  const traffic = sendTraffic(serving.fetch);
  try {
    const id = await h.submit(body(6), 'second', 'root');
    await approve(id);
    let status = await h.waitForStage(id, ['rolling_out']);
    while (status.rollout?.stage !== 'baking') {
      status = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await edge.getTraffic('breast-cancer'))!.weights).toMatchObject({ '1': 90, '2': 10 });

    await server.stop();
    server = await startServer();

    const done = await h.waitForStage(id, ['succeeded', 'rolled_back', 'failed'], 180_000);
    expect(done.stage, JSON.stringify(done.rollout)).toBe('succeeded');
    expect((await edge.getTraffic('breast-cancer'))!.weights).toEqual({ '2': 100 });
    expect((await h.registry.getAlias('breast-cancer', 'champion'))?.version).toBe(2);
  } finally {
    await traffic.stop();
  }
});

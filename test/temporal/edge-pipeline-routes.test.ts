// The pipeline routes as the edge mounts them: on the inference app, reaching Temporal through its
// HTTP API, with templates pushed by the control plane and datasets named by URI.
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FetchTemporalGateway } from '../../api/temporal/fetch-temporal-gateway';
import { UriDatasetResolver } from '../../api/serving/uri-dataset-resolver';
import { projectRoot } from '../../config/project-root';
import { startNodeServingApp } from '../serving/node-serving-app';
import { auth, exampleDataset, principals, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let edge: Awaited<ReturnType<typeof startNodeServingApp>>;
const datasetUri = pathToFileURL(`${projectRoot}/${exampleDataset}`).href;

beforeAll(async () => {
  h = await startHarness('edge-pipelines');
  edge = await startNodeServingApp({
    principals,
    pipelines: {
      gateway: new FetchTemporalGateway({ baseUrl: inject('temporalHttpAddress'), namespace: 'default' }),
      taskQueue: h.taskQueue,
      datasets: new UriDatasetResolver([pathToFileURL(`${projectRoot}/examples/`).href]),
      // This test's worker has no edge to roll out to: the alias moves at approval.
      rollout: false,
    },
  });
  const template = (await h.registry.requireModel('breast-cancer')).template;
  const stored = await edge.fetch('/admin/models/breast-cancer/template', {
    method: 'PUT',
    headers: { ...auth('root'), 'content-type': 'application/json' },
    body: JSON.stringify(template),
  });
  expect(stored.status).toBe(200);
});
afterAll(async () => {
  await edge?.close();
  await h?.close();
});

const post = (path: string, as: string, body: unknown) =>
  edge.fetch(path, { method: 'POST', headers: { ...auth(as), 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('pipeline routes on the edge', () => {
  it('refuses what it cannot run, with the same envelope as the control API', async () => {
    const path = await post('/v1/pipelines', 'dave', { model: 'breast-cancer', dataset: exampleDataset });
    expect(path.status).toBe(400);
    expect(((await path.json()) as { error: { message: string } }).error.message).toMatch(/dataset URIs/);
    const outside = await post('/v1/pipelines', 'dave', { model: 'breast-cancer', dataset: 'file:///etc/passwd' });
    expect(outside.status).toBe(400);
    const unknown = await post('/v1/pipelines', 'dave', { model: 'no-such-model', dataset: datasetUri });
    expect(unknown.status).toBe(404);
    expect((await edge.fetch('/v1/pipelines', { method: 'POST' })).status).toBe(401);
  });

  it('starts a pipeline, shows its status, enforces four-eyes and approves it', async () => {
    const started = await edge.fetch('/v1/pipelines', {
      method: 'POST',
      headers: { ...auth('dave'), 'content-type': 'application/json', 'idempotency-key': `edge-${Date.now()}` },
      body: JSON.stringify({ model: 'breast-cancer', dataset: datasetUri }),
    });
    expect(started.status).toBe(202);
    const { pipelineId } = (await started.json()) as { pipelineId: string };
    let status: { stage: string; version?: number } = { stage: '' };
    const deadline = Date.now() + 120_000;
    while (status.stage !== 'awaiting_approval' && status.stage !== 'failed' && Date.now() < deadline) {
      status = (await (await edge.fetch(`/v1/pipelines/${pipelineId}`, { headers: auth('carol') })).json()) as typeof status;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status.stage).toBe('awaiting_approval');
    expect((await post(`/v1/pipelines/${pipelineId}/approve`, 'dave', {})).status).toBe(403);
    expect((await post(`/v1/pipelines/${pipelineId}/approve`, 'bob', { comment: 'from the edge' })).status).toBe(202);
    const done = await h.waitForStage(pipelineId, ['succeeded', 'failed']);
    expect(done).toMatchObject({ stage: 'succeeded', approval: { by: 'bob', comment: 'from the edge' } });
  });
});

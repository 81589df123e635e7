// GET /metrics on the control API: the exposition parses, requests are counted by route pattern (never
// the raw path, so 1000 random paths add no series), and the registry's and the edge's state shows:
// pipelines by stage, training time and cost of registered versions, rollout steps, drift per model.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient } from '../../../activities/edge-client';
import { createControlApp } from '../../../api/control/control-app';
import { DatasetReferenceResolver } from '../../../api/control/dataset-reference-resolver';
import { DatasetRoots } from '../../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../../artifacts/local-blob-store';
import { projectRoot } from '../../../config/project-root';
import { modelSignatureSchema } from '../../../core/serving/model-signature';
import servingFixture from '../../fixtures/breast-cancer-serving.json';
import { principals } from '../../test-principals';
import { requestApp } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { parseExposition, sampleValue, type Sample } from './prometheus-exposition';

describe('GET /metrics', () => {
  let f: ControlFixture;
  const scrape = async (app?: Parameters<typeof requestApp>[0]): Promise<Sample[]> => {
    const res = app ? await requestApp(app, 'GET', '/metrics', { as: 'carol' }) : await f.request('GET', '/metrics', { as: 'carol' });
    expect(res.status).toBe(200);
    return parseExposition(res.body as string).samples;
  };
  const requests = (samples: Sample[], labels: Record<string, string>) => sampleValue(samples, 'windsock_http_requests_total', labels);

  beforeAll(async () => {
    f = await openControlFixture('metrics-happy');
  });
  afterAll(() => f?.close());

  it("parses, with HELP and TYPE for every metric and the process's default Node metrics", async () => {
    const text = (await f.request('GET', '/metrics', { as: 'carol' })).body as string;
    const { samples, types } = parseExposition(text);
    expect(types.get('windsock_http_requests_total')).toBe('counter');
    expect(types.get('windsock_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('windsock_pipelines')).toBe('gauge');
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    for (const name of new Set(samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')))) {
      expect(text, name).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    }
  });

  it('counts requests and their latency by method, route pattern and status class', async () => {
    const before = await scrape();
    await f.request('GET', '/v1/models', { as: 'carol' });
    await f.request('GET', '/v1/models', { as: 'carol' });
    await f.request('GET', '/v1/models');
    const after = await scrape();
    const ok = { method: 'GET', route: '/v1/models', status_class: '2xx' };
    expect(requests(after, ok) - requests(before, ok)).toBe(2);
    const refused = { ...ok, status_class: '4xx' };
    expect(requests(after, refused) - requests(before, refused)).toBe(1);
    const count = (s: Sample[]) => sampleValue(s, 'windsock_http_request_duration_seconds_count', ok);
    expect(count(after) - count(before)).toBe(2);
    expect(sampleValue(after, 'windsock_http_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(count(after));
  });

  it('labels a request by its route pattern, never its path, refused before its handler or not', async () => {
    const id = `pipeline-${randomUUID()}`;
    const before = await scrape();
    await f.request('GET', `/v1/pipelines/${id}`, { as: 'carol' });
    await f.request('GET', `/v1/pipelines/${id}`);
    const after = await scrape();
    const moved = after.filter((s) => s.name === 'windsock_http_requests_total' && s.labels.route === '/v1/pipelines/:id');
    expect(moved.reduce((n, s) => n + s.value, 0) - before.filter((s) => s.name === 'windsock_http_requests_total' && s.labels.route === '/v1/pipelines/:id').reduce((n, s) => n + s.value, 0)).toBe(2);
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes(id)))).toBe(false);
  });

  it('adds no series for 1000 random paths', async () => {
    await scrape();
    const series = (s: Sample[]) => s.filter((x) => x.name.startsWith('windsock_http_')).length;
    const before = series(await scrape());
    const methods = ['GET', 'POST', 'DELETE', 'PATCH', 'PROPFIND'];
    for (let i = 0; i < 1000; i++) {
      const id = randomUUID();
      const url = [`/${id}`, `/v1/${id}`, `/v1/pipelines/${id}`, `/v1/models/${id}/versions/${i}`, `/v1/models/${id}`][i % 5]!;
      await f.request(methods[i % methods.length]!, url, i % 2 ? { as: 'carol' } : {});
    }
    const after = await scrape();
    // Each new (method, route, status class) is one counter and one histogram (15 buckets, sum, count).
    expect(series(after) - before).toBeLessThanOrEqual(40 * 19);
    const routes = new Set(after.filter((s) => s.name === 'windsock_http_requests_total').map((s) => s.labels.route));
    expect(routes.size).toBeLessThan(20);
    expect([...routes].every((r) => r === 'unmatched' || r!.startsWith('/'))).toBe(true);
    expect(routes.has('unmatched')).toBe(true);
    const methodLabels = new Set(after.filter((s) => s.name === 'windsock_http_requests_total').map((s) => s.labels.method));
    expect(methodLabels.has('PROPFIND')).toBe(false);
  });

  it('counts pipelines by the stage of their latest pipeline event', async () => {
    const before = await scrape();
    const stage = (s: Sample[], name: string) => sampleValue(s, 'windsock_pipelines', { stage: name });
    const [p1, p2, p3] = [randomUUID(), randomUUID(), randomUUID()];
    const event = (pipelineId: string, name: string) => f.registry.appendAudit({ dedupeKey: `${pipelineId}:${name}`, actor: 'windsock', event: name, modelName: 'breast-cancer', pipelineId });
    await event(p1, 'pipeline.started');
    await event(p1, 'pipeline.validating');
    await event(p1, 'pipeline.training');
    await event(p2, 'pipeline.started');
    await event(p2, 'pipeline.validating');
    await event(p3, 'pipeline.awaiting_approval');
    const after = await scrape();
    expect(stage(after, 'training') - stage(before, 'training')).toBe(1);
    expect(stage(after, 'validating') - stage(before, 'validating')).toBe(1);
    expect(stage(after, 'awaiting_approval') - stage(before, 'awaiting_approval')).toBe(1);
    expect(stage(after, 'started') - stage(before, 'started')).toBe(0);
    await event(p1, 'pipeline.succeeded');
    const later = await scrape();
    expect(stage(later, 'training') - stage(after, 'training')).toBe(-1);
    expect(stage(later, 'succeeded') - stage(after, 'succeeded')).toBe(1);
  });

  it('counts rollout steps by event as they reach the audit log', async () => {
    const before = await scrape();
    const rollout = (s: Sample[], name: string) => sampleValue(s, 'windsock_rollout_events_total', { event: name });
    const id = randomUUID();
    for (const [i, name] of ['rollout.weights', 'rollout.analysis', 'rollout.weights', 'rollout.promoted'].entries()) {
      await f.registry.appendAudit({ dedupeKey: `${id}:${i}`, actor: 'windsock', event: name, modelName: 'breast-cancer', pipelineId: id });
    }
    const after = await scrape();
    expect(rollout(after, 'rollout.weights') - rollout(before, 'rollout.weights')).toBe(2);
    expect(rollout(after, 'rollout.analysis') - rollout(before, 'rollout.analysis')).toBe(1);
    expect(rollout(after, 'rollout.promoted') - rollout(before, 'rollout.promoted')).toBe(1);
    // Counted once: the next scrape reads only what is new.
    expect(rollout(await scrape(), 'rollout.weights')).toBe(rollout(after, 'rollout.weights'));
  });

  it("feeds training time and cost from registered versions' lineage", async () => {
    const before = await scrape();
    const model = { model: 'breast-cancer' };
    const run = `metrics-${randomUUID()}`;
    await f.registry.registerVersion({
      modelName: 'breast-cancer',
      artifactUri: `file://${f.home}/artifacts/${run}.onnx`,
      artifactSha256: servingFixture.sha256,
      signature: modelSignatureSchema.parse(servingFixture.signature),
      metrics: { roc_auc: 0.99 },
      confusionMatrix: [[1, 0], [0, 1]],
      gate: {},
      referenceProfile: servingFixture.referenceProfile,
      lineage: {
        datasetUri: 'file:///data.csv', datasetSha256: '0'.repeat(64), trainSplitUri: 'file:///train.csv', holdoutSplitUri: 'file:///holdout.csv',
        codeVersion: 'test', params: {}, computeProvider: 'runner', computeJobId: run, workflowId: run, runId: run,
        computeSeconds: 90, computeGpuSeconds: 180, computeCostUsd: 0.125,
      },
      pipelineId: run,
      pipelineRunId: run,
      createdBy: 'dave',
    });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = model) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('windsock_model_versions_registered_total')).toBe(1);
    expect(delta('windsock_training_seconds_count')).toBe(1);
    expect(delta('windsock_training_seconds_sum')).toBe(90);
    expect(delta('windsock_training_seconds_bucket', { ...model, le: '60' })).toBe(0);
    expect(delta('windsock_training_seconds_bucket', { ...model, le: '120' })).toBe(1);
    expect(delta('windsock_training_gpu_seconds_total')).toBe(180);
    expect(delta('windsock_training_cost_usd_total')).toBeCloseTo(0.125, 9);
  });

  it('has no drift metrics without an edge', async () => {
    const samples = await scrape(f.appWithoutEdge);
    expect(samples.some((s) => s.name.startsWith('windsock_drift_'))).toBe(false);
  });

  it("exposes each serving version's drift share from the edge, asking it once per 30 s at most", async () => {
    const asked: string[] = [];
    const edge = new EdgeClient({
      baseUrl: 'http://edge.invalid',
      token: 'edge-token-0123456789',
      fetch: async (input) => {
        const url = String(input);
        asked.push(url);
        if (!url.includes('/models/breast-cancer/')) return Response.json({ error: { code: 'not_found', message: 'no such model' } }, { status: 404 });
        const report = (driftShare: number, insufficientData = false) => ({ driftShare, datasetDrift: driftShare >= 0.5, insufficientData });
        return Response.json({ model: 'breast-cancer', versions: { '1': report(0.25), '2': report(0.75), '3': report(0, true) } });
      },
    });
    const app = createControlApp({
      gateway: f.gateway,
      schedules: f.schedules,
      registry: f.registry,
      blobs: new LocalBlobStore(path.join(f.home, 'artifacts')),
      datasets: new DatasetReferenceResolver(new DatasetRoots(f.datasetRoots, projectRoot)),
      principals,
      taskQueue: 'routes-metrics-drift',
      edge,
    });
    const samples = await scrape(app);
    expect(sampleValue(samples, 'windsock_drift_share', { model: 'breast-cancer', version: '1' })).toBe(0.25);
    expect(sampleValue(samples, 'windsock_drift_share', { model: 'breast-cancer', version: '2' })).toBe(0.75);
    expect(sampleValue(samples, 'windsock_drift_detected', { model: 'breast-cancer', version: '2' })).toBe(1);
    // A version without enough samples has no verdict, so no series.
    expect(samples.filter((s) => s.name === 'windsock_drift_share').map((s) => s.labels.version).sort()).toEqual(['1', '2']);
    // A model the edge does not serve is not an error.
    expect(sampleValue(samples, 'windsock_metrics_collect_errors_total', { source: 'edge' })).toBe(0);
    const models = (await f.registry.listModels()).length;
    expect(asked.length).toBe(models);
    await scrape(app);
    await scrape(app);
    expect(asked.length).toBe(models);
  });
});

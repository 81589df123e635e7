// GET /metrics on Node serving (what `npm run serve` serves): a viewer token reads it; requests are
// counted by route pattern and by model, only models the store knows (a scan of random names adds no
// series); inference errors; the recorder's pending batch; the process's default metrics.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeInferenceApp, type NodeInferenceApp } from '../../api/node-serving/node-inference-app';
import fixture from '../fixtures/breast-cancer-serving.json';
import { parseExposition, sampleValue, type Sample } from '../fast/routes/prometheus-exposition';

const adminToken = 'ops-token-0123456789abcdef';
const viewerToken = 'scraper-token-0123456789ab';

describe('GET /metrics on Node serving', () => {
  let home: string;
  let serving: NodeInferenceApp;
  const send = (url: string, init: RequestInit = {}) => serving.fetch(new Request(`http://serving.test${url}`, init));
  const admin = (init: RequestInit & { headers?: Record<string, string> }): RequestInit => ({ ...init, headers: { ...init.headers, authorization: `Bearer ${adminToken}` } });
  const infer = (model: string, data: unknown[] = new Array(30).fill(0.5)) =>
    send(`/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, data.length], data }] }) });
  const scrape = async (): Promise<Sample[]> => {
    const res = await send('/metrics', { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(res.status).toBe(200);
    return parseExposition(await res.text()).samples;
  };

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'windsock-serving-metrics-'));
    serving = await openNodeInferenceApp({
      databaseUrl: `file:${path.join(home, 'edge.db')}`,
      artifactsDir: path.join(home, 'artifacts'),
      principals: [
        { name: 'ops', roles: ['admin'], token: adminToken },
        { name: 'prometheus', roles: ['viewer'], token: viewerToken },
      ],
      // Nothing is written during the test, so the pending batch can be seen.
      recorder: { maxPendingRequests: 10_000, maxPendingMs: 3_600_000 },
    });
    const modelBytes = new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url)));
    const upload = await send('/admin/models/bc/versions/1/artifact', admin({ method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 }, body: modelBytes }));
    expect(upload.status).toBe(201);
    const publish = await send('/admin/models/bc/versions/1', admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }) }));
    expect(publish.status).toBe(201);
    expect((await send('/admin/models/bc/traffic', admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) }))).status).toBe(200);
  });
  afterAll(async () => {
    await serving?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('refuses a scrape without a token, or with an unknown one, with a 401 in the envelope', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token-0123456789' }]) {
      const res = await send('/metrics', { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('counts inference by route pattern and model, inference errors, and the pending batch', async () => {
    const before = await scrape();
    expect((await infer('bc')).status).toBe(200);
    expect((await infer('bc')).status).toBe(200);
    expect((await infer('bc', [1, 2])).status).toBe(400);
    await serving.settled();
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const route = '/v2/models/:name/infer';
    expect(delta('windsock_http_requests_total', { method: 'POST', route, model: 'bc', status_class: '2xx' })).toBe(2);
    expect(delta('windsock_http_request_duration_seconds_count', { method: 'POST', route, model: 'bc', status_class: '2xx' })).toBe(2);
    expect(delta('windsock_inference_errors_total', { model: 'bc', status_class: '4xx' })).toBe(1);
    expect(sampleValue(after, 'windsock_recorder_pending_requests')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('labels model names the store does not know as unknown, so a scan adds no series', async () => {
    await infer(`nope-${randomUUID()}`);
    const series = (s: Sample[]) => s.filter((x) => x.name.startsWith('windsock_')).length;
    const before = series(await scrape());
    for (let i = 0; i < 300; i++) {
      const name = randomUUID();
      await (i % 3 === 0 ? infer(name) : i % 3 === 1 ? send(`/v2/models/${name}`) : send(`/${name}/${i}`));
    }
    const after = await scrape();
    const models = new Set(after.filter((s) => s.name === 'windsock_http_requests_total').map((s) => s.labels.model));
    expect([...models].sort()).toEqual(['', 'bc', 'unknown']);
    // At most the two new route/status combinations (GET /v2/models/:name 4xx, unmatched 4xx), each a counter and a histogram.
    expect(series(after) - before).toBeLessThanOrEqual(2 * 19);
    expect(sampleValue(after, 'windsock_inference_errors_total', { model: 'unknown', status_class: '4xx' })).toBeGreaterThanOrEqual(101);
  });

  it('serves the routes it counts as the app does (a 404 stays a 404 in the protocol form)', async () => {
    const res = await send('/v2/models/bc/versions/9/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/\S/);
  });
});

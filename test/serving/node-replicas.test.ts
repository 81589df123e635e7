// Two Node serving replicas on one libSQL file and one artifact directory, as `npm run serve` twice
// with the same WINDSOCK_SERVING_DB_URL: a weight change made through one replica's admin route
// reaches the other once its routing cache expires, and the sketches both record add up in the
// metrics read from either.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/breast-cancer-serving.json';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

const ROUTING_CACHE_MS = 400;
const admin = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${servingAdminToken}` } });
const jsonBody = (method: string, body: unknown): RequestInit => admin({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const inferInit = (row: number[]): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: [row] }] }),
});

type Replica = Awaited<ReturnType<typeof startNodeServingApp>>;

describe('Node replicas on one libSQL database', () => {
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    const shared = mkdtempSync(path.join(os.tmpdir(), 'windsock-replicas-'));
    const options = { databaseUrl: `file:${path.join(shared, 'serving.db')}`, artifactsDir: path.join(shared, 'artifacts'), routingCacheMs: ROUTING_CACHE_MS };
    a = await startNodeServingApp(options);
    b = await startNodeServingApp(options);
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url)));
    for (const version of [1, 2]) {
      const upload = await a.fetch(`/admin/models/bc/versions/${version}/artifact`, admin({ method: 'PUT', headers: { 'x-windsock-sha256': fixture.sha256 }, body: bytes }));
      expect(upload.status, await upload.text()).toBe(201);
      const published = await a.fetch(`/admin/models/bc/versions/${version}`, jsonBody('PUT', { artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }));
      expect(published.status, await published.text()).toBe(201);
    }
    expect((await a.fetch('/admin/models/bc/traffic', jsonBody('PUT', { weights: { '1': 100, '2': 0 } }))).status).toBe(200);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('serves weights changed through the other replica once its cache expires', async () => {
    const servedBy = async (replica: Replica) => (await replica.fetch('/v2/models/bc/infer', inferInit(fixture.holdoutRows[0]!))).headers.get('x-windsock-model-version');
    // B reads the weights from the shared database and caches them.
    expect(await servedBy(b)).toBe('1');

    const changedAt = Date.now();
    expect((await a.fetch('/admin/models/bc/traffic', jsonBody('PUT', { weights: { '1': 0, '2': 100 } }))).status).toBe(200);
    // A forgot its cache when it wrote; B learns of the change from the database.
    expect(await servedBy(a)).toBe('2');
    let seenOnB = await servedBy(b);
    const deadline = changedAt + ROUTING_CACHE_MS + 5000;
    while (seenOnB !== '2' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seenOnB = await servedBy(b);
    }
    expect(seenOnB).toBe('2');
  });

  it('adds up the sketches both replicas record, read from either', async () => {
    type Metrics = { versions: Record<string, { requests: number; rows: number; errors: number }> };
    const metricsFrom = async (replica: Replica) => ((await (await replica.fetch('/admin/models/bc/metrics', admin())).json()) as Metrics).versions['2'];
    await Promise.all([a.fetch('/admin/flush', admin({ method: 'POST' })), b.fetch('/admin/flush', admin({ method: 'POST' }))]);
    const before = (await metricsFrom(a))?.requests ?? 0;
    expect((await metricsFrom(b))?.requests ?? 0).toBe(before);

    const sent = { a: 23, b: 17 };
    for (const [replica, count] of [[a, sent.a], [b, sent.b]] as const) {
      for (let i = 0; i < count; i++) {
        const res = await replica.app.request('/v2/models/bc/infer', inferInit(fixture.holdoutRows[i % fixture.holdoutRows.length]!));
        expect(res.headers.get('x-windsock-model-version')).toBe('2');
      }
    }
    // Each replica writes its own batch (from its own writer thread) into the shared file.
    await Promise.all([a.fetch('/admin/flush', admin({ method: 'POST' })), b.fetch('/admin/flush', admin({ method: 'POST' }))]);

    for (const replica of [a, b]) {
      expect(await metricsFrom(replica)).toMatchObject({ requests: before + sent.a + sent.b, rows: before + sent.a + sent.b, errors: 0 });
    }
  });
});

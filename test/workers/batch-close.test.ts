// Nothing served at the edge goes uncounted: the request that opens a batch holds it in ctx.waitUntil
// until the batch is written, so the tail of a burst reaches D1 with no later request and no
// /admin/flush. And the cron's retention deletes what has aged out, keeping the rest.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it } from 'vitest';
import worker from '../../api/edge/worker';
import * as schema from '../../drizzle/edge-schema';
import { emptyVersionSketch } from '../../core/monitoring/version-sketch';
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import fixture from '../fixtures/breast-cancer-serving.json';

const adminToken = 'edge-admin-token-0123456789';
const model = 'tail';
// This file's isolate (the worker caches its app per isolate, built on the first request) closes a
// batch half a second after it opens, whatever the suite's own setting.
const edgeEnv: Env = { ...env, WINDSOCK_RECORDING_MAX_AGE_MS: '500' };

/** A request as workerd runs it, and the context its waitUntil work was handed to. */
function send(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const request = new Request(`https://edge.test${path}`, init) as unknown as Request<unknown, IncomingRequestCfProperties>;
  return { ctx, response: worker.fetch(request, edgeEnv, ctx) };
}

async function edgeFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const { ctx, response } = send(path, init);
  const res = await response;
  await waitOnExecutionContext(ctx);
  return res;
}

const admin = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${adminToken}` } });

async function publish(): Promise<void> {
  const bytes = new Uint8Array(env.FIXTURE_BREAST_CANCER_MLP);
  const upload = await edgeFetch(`/admin/models/${model}/versions/1/artifact`, admin({ method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 }, body: bytes }));
  expect(upload.status, await upload.text()).toBe(201);
  const version = await edgeFetch(`/admin/models/${model}/versions/1`, admin({
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }),
  }));
  expect(version.status, await version.text()).toBe(201);
  const traffic = await edgeFetch(`/admin/models/${model}/traffic`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) }));
  expect(traffic.status, await traffic.text()).toBe(200);
}

describe('the edge with no flush call', () => {
  it('writes the last requests of a burst through the waitUntil of the request that opened the batch', { timeout: 60_000 }, async () => {
    await publish();
    const served = [];
    for (let i = 0; i < 3; i++) {
      const sent = send(`/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: [fixture.holdoutRows[i]!] }] }),
      });
      const res = await sent.response;
      expect(res.status, await res.text()).toBe(200);
      served.push(sent.ctx);
    }
    // What workerd keeps the isolate alive for after the responses: once it has settled, the batch is in D1.
    await Promise.all(served.map((ctx) => waitOnExecutionContext(ctx)));
    const metrics = (await (await edgeFetch(`/admin/models/${model}/metrics`, admin())).json()) as { versions: Record<string, { requests: number }> };
    expect(metrics.versions['1']?.requests).toBe(3);
  });
});

describe('retention on the cron', () => {
  it('deletes sketches and drift reports past the window and keeps the rest', async () => {
    const db = drizzle(env.EDGE_DB, { schema });
    const now = Date.now();
    const days = (n: number) => n * 86_400_000;
    const sketch = emptyVersionSketch(fixture.referenceProfile as unknown as ReferenceProfile);
    const minute = (at: number) => Math.floor(at / 60_000);
    await db.insert(schema.sketches).values([
      { modelName: 'kept', version: 1, minute: minute(now - days(40)), sketch },
      { modelName: 'kept', version: 1, minute: minute(now - days(31)), sketch },
      { modelName: 'kept', version: 1, minute: minute(now - days(29)), sketch },
      { modelName: 'kept', version: 1, minute: minute(now), sketch },
    ]);
    const report = (at: number) => ({ modelName: 'kept', version: 1, windowStart: new Date(at - 3_600_000), windowEnd: new Date(at), computedAt: new Date(at), datasetDrift: false, report: {} });
    await db.insert(schema.driftReports).values([report(now - days(45)), report(now - days(29)), report(now)]);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: '*/5 * * * *' }), edgeEnv, ctx);
    await waitOnExecutionContext(ctx);

    const sketchMinutes = (await db.select({ minute: schema.sketches.minute }).from(schema.sketches)).map((r) => r.minute);
    expect(sketchMinutes.filter((m) => m < minute(now - days(30)))).toEqual([]);
    expect(sketchMinutes).toEqual(expect.arrayContaining([minute(now - days(29)), minute(now)]));
    const reportTimes = (await db.select({ computedAt: schema.driftReports.computedAt }).from(schema.driftReports)).map((r) => r.computedAt.getTime());
    expect(reportTimes.filter((t) => t < now - days(30))).toEqual([]);
    expect(reportTimes).toEqual(expect.arrayContaining([now - days(29), now]));
  });
});

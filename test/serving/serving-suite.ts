// One serving test suite run against every runtime (in-process Node; workerd through Cloudflare's
// vitest integration): publish, traffic, the Open Inference Protocol, recording and drift.
import { beforeAll, describe, expect, it } from 'vitest';
import reference from '../fixtures/breast-cancer-mlp.reference.json';
import fixture from '../fixtures/breast-cancer-serving.json';

export interface ServingTarget {
  /** Sends a request to the app and waits for the work it deferred past the response. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  modelBytes: Uint8Array;
  adminToken: string;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A request body streamed in 64 KiB chunks with no declared length, 16 MiB in all unless the reader stops first. */
function endlessBody(): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === 256) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

export function servingSuite(runtime: string, makeTarget: () => Promise<ServingTarget>) {
  describe(`serving on ${runtime}`, () => {
    let t: ServingTarget;
    const admin = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${t.adminToken}` } });

    async function publish(model: string, version: number, body: Record<string, unknown> = {}) {
      const upload = await t.fetch(`/admin/models/${model}/versions/${version}/artifact`, admin({
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 },
        body: t.modelBytes,
      }));
      expect(upload.status, await upload.clone().text()).toBe(201);
      return t.fetch(`/admin/models/${model}/versions/${version}`, admin({
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile, ...body }),
      }));
    }

    async function setWeights(model: string, weights: Record<string, number>, step?: number) {
      return t.fetch(`/admin/models/${model}/traffic`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights, step }) }));
    }

    function inferBody(rows: number[][], extra: Record<string, unknown> = {}) {
      return { inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 30], data: rows }], ...extra };
    }

    async function infer(model: string, rows: number[][], headers: Record<string, string> = {}) {
      return t.fetch(`/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(inferBody(rows)) });
    }

    beforeAll(async () => {
      t = await makeTarget();
      expect((await publish('bc', 1)).status).toBe(201);
      expect((await setWeights('bc', { '1': 100 })).status).toBe(200);
    });

    it('answers health and model metadata', async () => {
      expect(await (await t.fetch('/v2/health/live')).json()).toEqual({ live: true });
      expect((await t.fetch('/v2/health/ready')).status).toBe(200);
      const meta = await (await t.fetch('/v2/models/bc')).json();
      expect(meta).toEqual({
        name: 'bc',
        versions: ['1'],
        platform: 'onnx',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
      });
      expect((await t.fetch('/v2/models/bc/ready')).status).toBe(200);
      expect((await t.fetch('/v2/models/bc/versions/1/ready')).status).toBe(200);
      expect((await t.fetch('/v2/models/nope')).status).toBe(404);
    });

    it('predicts what onnxruntime-node predicts, within 1e-5', async () => {
      const rows: number[][] = [];
      for (let r = 0; r < reference.input.dims[0]!; r++) rows.push(reference.input.data.slice(r * 30, (r + 1) * 30));
      const res = await t.fetch('/v2/models/bc/infer', json(inferBody(rows, { id: 'req-1' })));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-windsock-model-version')).toBe('1');
      const body = (await res.json()) as { model_name: string; model_version: string; id: string; outputs: Array<{ name: string; shape: number[]; data: number[] }> };
      expect(body).toMatchObject({ model_name: 'bc', model_version: '1', id: 'req-1' });
      expect(body.outputs[0]).toMatchObject({ name: 'probabilities', shape: [rows.length, 2], datatype: 'FP32' });
      body.outputs[0]!.data.forEach((p, i) => expect(Math.abs(p - reference.output.data[i]!)).toBeLessThan(1e-5));
      const flat = await t.fetch('/v2/models/bc/versions/1/infer', json({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: reference.input.data.slice(0, 30) }] }));
      expect(((await flat.json()) as typeof body).outputs[0]!.data[0]).toBeCloseTo(reference.output.data[0]!, 5);
    });

    it.each([
      ['an unknown input', { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, 30], data: new Array(30).fill(1) }] }, /unknown input 'pixels'|no input named 'pixels'|'pixels'/],
      ['a missing input', { inputs: [] }, /features/],
      ['a wrong datatype', { inputs: [{ name: 'features', datatype: 'INT64', shape: [1, 30], data: new Array(30).fill(1) }] }, /datatype/],
      ['a shape mismatch', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 31], data: new Array(31).fill(1) }] }, /shape/],
      ['data that does not fill the shape', { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data: new Array(30).fill(1) }] }, /features/],
      ['a non-finite number', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: [...new Array(29).fill(1), null] }] }, /element 29/],
      ['an unknown output', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: new Array(30).fill(1) }], outputs: [{ name: 'logits' }] }, /logits/],
    ])('refuses %s with a 400 naming it', async (_name, body, message) => {
      const res = await t.fetch('/v2/models/bc/infer', json(body));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    });

    it('refuses malformed JSON with a 400, oversized bodies with a 413, unknown models and versions with a 404', async () => {
      const bad = await t.fetch('/v2/models/bc/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/not valid JSON/);
      const huge = await t.fetch('/v2/models/bc/infer', json(inferBody(Array.from({ length: 20_000 }, () => new Array(30).fill(1.2345678)))));
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { error: string }).error).toMatch(/exceeds the limit of \d+ bytes/);
      expect((await t.fetch('/v2/models/nope/infer', json(inferBody([new Array(30).fill(1)])))).status).toBe(404);
      // Chunked, with no declared length: counted as it streams and refused at the limit.
      const chunked = await t.fetch('/v2/models/bc/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: endlessBody(), duplex: 'half' } as RequestInit);
      expect(chunked.status).toBe(413);
      const chunkedAdmin = await t.fetch('/admin/models/bc/traffic', admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: endlessBody(), duplex: 'half' } as RequestInit));
      expect(chunkedAdmin.status).toBe(413);
      expect((await t.fetch('/v2/models/bc/versions/9/infer', json(inferBody([new Array(30).fill(1)])))).status).toBe(404);
    });

    it('guards the admin routes and keeps publishing idempotent', async () => {
      expect((await t.fetch('/admin/models/bc')).status).toBe(401);
      expect((await publish('bc', 1)).status).toBe(200);
      const conflict = await t.fetch('/admin/models/bc/versions/1', admin({ ...json({ artifactSha256: 'a'.repeat(64), signature: fixture.signature, referenceProfile: fixture.referenceProfile }), method: 'PUT' }));
      expect(conflict.status).toBe(409);
      const badSha = await t.fetch('/admin/models/bc/versions/3/artifact', admin({ method: 'PUT', headers: { 'x-windsock-sha256': 'b'.repeat(64) }, body: t.modelBytes }));
      expect(badSha.status).toBe(400);
      expect((await setWeights('bc', { '1': 60, '2': 30 })).status).toBe(400);
      expect((await setWeights('bc', { '1': 50, '7': 50 })).status).toBe(422);
    });

    it('routes by weight, sticks per routing key, and refuses a stale or conflicting weight change', async () => {
      expect((await publish('split', 1)).status).toBe(201);
      expect((await publish('split', 2)).status).toBe(201);
      expect((await setWeights('split', { '1': 75, '2': 25 }, 5)).status).toBe(200);
      expect((await setWeights('split', { '1': 100, '2': 0 }, 4)).status).toBe(409);
      // The same step is another change's (a rollout's next shift after a rollback took its number)
      // unless it is the very same change again (a retry).
      expect((await setWeights('split', { '1': 100, '2': 0 }, 5)).status).toBe(409);
      expect((await setWeights('split', { '1': 75, '2': 25 }, 5)).status).toBe(200);
      const row = [fixture.holdoutRows[0]!];
      const versions: string[] = [];
      for (let i = 0; i < 400; i++) {
        const res = await infer('split', row, { 'x-windsock-routing-key': `client-${i}` });
        versions.push(res.headers.get('x-windsock-model-version')!);
      }
      const share = versions.filter((v) => v === '2').length / versions.length;
      expect(share).toBeGreaterThan(0.25 - 0.07);
      expect(share).toBeLessThan(0.25 + 0.07);
      for (const i of [3, 17, 99]) {
        const again = await infer('split', row, { 'x-windsock-routing-key': `client-${i}` });
        expect(again.headers.get('x-windsock-model-version')).toBe(versions[i]);
      }
    });

    it('records every request it served, per version', async () => {
      const served = { '1': 0, '2': 0 } as Record<string, number>;
      for (let i = 0; i < 60; i++) {
        const res = await infer('count', [fixture.holdoutRows[i % 113]!], { 'x-windsock-routing-key': `k${i}` });
        if (res.status === 404) throw new Error('count model missing');
        served[res.headers.get('x-windsock-model-version')!]!++;
      }
      await t.fetch('/admin/flush', admin({ method: 'POST' }));
      const metrics = (await (await t.fetch('/admin/models/count/metrics', admin())).json()) as { versions: Record<string, { requests: number; rows: number; errors: number; latencyMs: { p50: number } }> };
      for (const [version, count] of Object.entries(served)) {
        if (count === 0) continue;
        expect(metrics.versions[version]).toMatchObject({ requests: count, rows: count, errors: 0 });
        expect(metrics.versions[version]!.latencyMs.p50).toBeGreaterThanOrEqual(0);
      }
    });

    it('finds no drift on data like the reference and clear drift on shifted data', async () => {
      for (const [model, rows] of [['calm', fixture.holdoutRows], ['shifted', fixture.shiftedRows]] as const) {
        for (let i = 0; i < rows.length; i += 40) expect((await infer(model, rows.slice(i, i + 40))).status).toBe(200);
      }
      await t.fetch('/admin/flush', admin({ method: 'POST' }));
      type Drift = { versions: Record<string, { datasetDrift: boolean; driftShare: number; insufficientData: boolean; sampleSize: number }> };
      const calm = (await (await t.fetch('/admin/models/calm/drift', admin())).json()) as Drift;
      const shifted = (await (await t.fetch('/admin/models/shifted/drift', admin())).json()) as Drift;
      expect(calm.versions['1']).toMatchObject({ insufficientData: false, datasetDrift: false, sampleSize: 113 });
      expect(shifted.versions['1']).toMatchObject({ insufficientData: false, datasetDrift: true });
      expect(shifted.versions['1']!.driftShare).toBeGreaterThan(0.8);
    });

    beforeAll(async () => {
      for (const model of ['count', 'calm', 'shifted']) {
        expect((await publish(model, 1)).status).toBe(201);
      }
      await publish('count', 2);
      expect((await setWeights('count', { '1': 50, '2': 50 })).status).toBe(200);
      expect((await setWeights('calm', { '1': 100 })).status).toBe(200);
      expect((await setWeights('shifted', { '1': 100 })).status).toBe(200);
    });
  });
}

// The latency the Node serving app records is the time a client waits for: the twin of
// test/workers/latency-recording.test.ts, on onnxruntime-node and a libSQL file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/breast-cancer-serving.json';
import type { InferenceBackend } from '../../api/serving/serving-ports';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

const model = 'slow-latency';
// Odd, so the client's median and the sketch's p50 (rank floor(q (n - 1))) are the same request's.
const requests = 9;

const admin = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${servingAdminToken}` } });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Each inference waits this long before the real one runs, so that a request takes long enough for
// the comparison to mean something on any host (the slow fixture alone took 4 ms on a quiet one).
const PACE_MS = 20;
const paced = (backend: InferenceBackend): InferenceBackend => ({
  name: `${backend.name} (paced)`,
  async load(bytes, signature) {
    const session = await backend.load(bytes, signature);
    return {
      run: async (inputs, outputs) => {
        await new Promise((r) => setTimeout(r, PACE_MS));
        return session.run(inputs, outputs);
      },
      release: () => session.release(),
    };
  },
});

describe('latency recording on Node', () => {
  let serving: Awaited<ReturnType<typeof startNodeServingApp>>;

  beforeAll(async () => {
    serving = await startNodeServingApp({ wrapBackend: paced });
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/slow-model.onnx', import.meta.url)));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const upload = await serving.fetch(`/admin/models/${model}/versions/1/artifact`, admin({ method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': sha256 }, body: bytes }));
    expect(upload.status, await upload.text()).toBe(201);
    const version = await serving.fetch(`/admin/models/${model}/versions/1`, admin({
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ artifactSha256: sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }),
    }));
    expect(version.status, await version.text()).toBe(201);
    const traffic = await serving.fetch(`/admin/models/${model}/traffic`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) }));
    expect(traffic.status, await traffic.text()).toBe(200);
  });

  afterAll(() => serving?.close());

  it('records what the client waits for', { timeout: 60_000 }, async () => {
    const clientMs: number[] = [];
    for (let i = 0; i < requests; i++) {
      const sentAt = performance.now();
      // app.request, not serving.fetch: a client does not wait for the recording deferred past the response.
      const res = await serving.app.request(`/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: [fixture.holdoutRows[i]!] }] }),
      });
      const body = await res.text();
      clientMs.push(performance.now() - sentAt);
      expect(res.status, body).toBe(200);
    }
    // serving.fetch waits for the work deferred past earlier responses, the recordings included.
    expect((await serving.fetch('/admin/flush', admin({ method: 'POST' }))).status).toBe(200);
    const metrics = (await (await serving.fetch(`/admin/models/${model}/metrics`, admin())).json()) as {
      versions: Record<string, { requests: number; latencyMs: { p50: number } }>;
    };
    const recorded = metrics.versions['1']!;
    const clientMedian = median(clientMs);
    const seen = `recorded p50 ${recorded.latencyMs.p50.toFixed(1)} ms, client median ${clientMedian.toFixed(1)} ms (client: ${clientMs.map((ms) => ms.toFixed(1)).join(', ')} ms)`;

    expect(recorded.requests).toBe(requests);
    // Paced: the comparison means something whatever the host's speed.
    expect(clientMedian, seen).toBeGreaterThanOrEqual(PACE_MS);
    expect(recorded.latencyMs.p50, seen).toBeGreaterThan(clientMedian / 2);
    // Tolerance: 25% of the client's median or 10 ms, whichever is larger (as in workerd); the
    // recorder reads the clock after a zero timer, which on Node is at least 1 ms.
    expect(Math.abs(recorded.latencyMs.p50 - clientMedian), seen).toBeLessThanOrEqual(Math.max(0.25 * clientMedian, 10));
  });
});

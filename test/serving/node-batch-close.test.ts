// Nothing served on Node goes uncounted: the tail of a burst reaches the metrics with no later request
// and no /admin/flush, and a process stopped by SIGTERM writes the batch it holds before it exits.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServingStore } from '../../api/node-serving/open-serving-store';
import { projectRoot } from '../../config/project-root';
import { freePort } from '../../scripts/local-processes';
import fixture from '../fixtures/breast-cancer-serving.json';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

const model = 'tail';
const modelBytes = new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url)));
const sha256 = createHash('sha256').update(modelBytes).digest('hex');
const admin = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${servingAdminToken}` } });
const inferInit = (i: number): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: [fixture.holdoutRows[i]!] }] }),
});

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

async function publish(fetch: Fetch): Promise<void> {
  const upload = await fetch(`/admin/models/${model}/versions/1/artifact`, admin({ method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': sha256 }, body: modelBytes }));
  expect(upload.status, await upload.text()).toBe(201);
  const version = await fetch(`/admin/models/${model}/versions/1`, admin({
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ artifactSha256: sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }),
  }));
  expect(version.status, await version.text()).toBe(201);
  const traffic = await fetch(`/admin/models/${model}/traffic`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) }));
  expect(traffic.status, await traffic.text()).toBe(200);
}

/** Polls `check` until it holds or the deadline passes; returns its last reading. */
async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, deadlineMs: number): Promise<T> {
  const until = Date.now() + deadlineMs;
  let value = await read();
  while (!check(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe('recording on Node with no flush call', () => {
  let serving: Awaited<ReturnType<typeof startNodeServingApp>>;

  beforeAll(async () => {
    serving = await startNodeServingApp();
    await publish(serving.fetch);
  });
  afterAll(() => serving?.close());

  it('puts the last requests of a burst in the metrics within seconds', { timeout: 30_000 }, async () => {
    for (let i = 0; i < 3; i++) {
      // app.request: as a client, nothing waits for the work deferred past the response.
      const res = await serving.app.request(`/v2/models/${model}/infer`, inferInit(i));
      expect(res.status, await res.text()).toBe(200);
    }
    const requests = async () => {
      const res = await serving.fetch(`/admin/models/${model}/metrics`, admin());
      const body = (await res.json()) as { versions: Record<string, { requests: number }> };
      return body.versions['1']?.requests ?? 0;
    };
    // The batch is due 2 s after its first request; the deadline leaves room for a loaded host.
    expect(await waitFor(requests, (n) => n === 3, 20_000)).toBe(3);
  });
});

describe('npm run serve stopped by SIGTERM', () => {
  it('writes the batch it holds before it exits', { timeout: 120_000 }, async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-serve-stop-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'api/node-serving/main.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        WINDSOCK_HOME: home,
        WINDSOCK_SERVE_HOST: '127.0.0.1',
        WINDSOCK_SERVE_PORT: String(port),
        WINDSOCK_TOKENS: `ops:admin:${servingAdminToken}`,
        // Far beyond the test: only the shutdown can write this batch.
        WINDSOCK_RECORDING_MAX_AGE_MS: '3600000',
        WINDSOCK_DRIFT_MONITOR_SECONDS: '0',
        TEMPORAL_HTTP_URL: 'http://127.0.0.1:1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const fetchServe: Fetch = (p, init) => fetch(`${base}${p}`, init);
      const live = await waitFor(
        () => fetchServe('/v2/health/live').then((r) => r.ok, () => false),
        (ok) => ok,
        60_000,
      );
      expect(live, output).toBe(true);
      await publish(fetchServe);
      for (let i = 0; i < 3; i++) {
        const res = await fetchServe(`/v2/models/${model}/infer`, inferInit(i));
        expect(res.status, await res.text()).toBe(200);
      }
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const { store, client } = await openServingStore(`file:${path.join(home, 'serving.db')}`);
    try {
      const rows = await store.readSketches(model, 0, Number.MAX_SAFE_INTEGER);
      expect(rows.reduce((n, r) => n + (r.sketch as { requests: number }).requests, 0), output).toBe(3);
    } finally {
      client.close();
    }
  });
});

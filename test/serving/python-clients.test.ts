// Protocol conformance proven with the real clients: Node serving (onnxruntime-node, libSQL) on a
// loopback port, spoken to by Triton's `tritonclient[http]` and KServe's `InferenceRESTClient` with
// their defaults (binary tensor data in and out), in JSON mode too, from the tests' Python venv
// (test/python/oip_clients.py); their probabilities must equal what Windsock's own JSON inference
// returns. The hand-built binary bodies of the edge's tests run here on Node as well.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/breast-cancer-serving.json';
import { version as windsockVersion } from '../../package.json';
import { pinnedVersion, testPython } from '../python/python-peers';
import { binaryRequestSuite } from '../workers/binary-requests-suite';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

const script = fileURLToPath(new URL('../python/oip_clients.py', import.meta.url));
const modelBytes = new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url)));
const MODEL = 'bc';
const rows = fixture.holdoutRows.slice(0, 5);

type Apps = Awaited<ReturnType<typeof startNodeServingApp>>[];
const apps: Apps = [];
afterAll(async () => {
  for (const app of apps) await app.close();
});

binaryRequestSuite('Node (onnxruntime-node, libSQL)', async () => {
  const serving = await startNodeServingApp();
  apps.push(serving);
  return { fetch: serving.fetch, modelBytes, adminToken: servingAdminToken };
});

interface Probabilities {
  id?: string;
  model_version?: string;
  binary: boolean;
  probabilities: number[][];
}
type Call<T> = T | { error: string; status?: string | null };
interface ClientRun {
  versions: { tritonclient: string; kserve: string };
  triton: Record<'is_server_live' | 'is_server_ready' | 'is_model_ready', Call<boolean>> & {
    server_metadata: Call<unknown>;
    model_metadata: Call<unknown>;
  } & Record<'defaults' | 'binary_output' | 'json' | 'versioned_with_parameters' | 'classification', Call<Probabilities>>;
  kserve: Record<'is_server_live' | 'is_server_ready' | 'is_model_ready', Call<boolean>> & Record<'defaults' | 'binary_output' | 'binary_data_output' | 'json', Call<Probabilities>>;
}

/** Runs the Python script without blocking the event loop, which serves the script's requests. */
function runClients(input: unknown): Promise<ClientRun> {
  const python = testPython('the Python clients');
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`oip_clients.py exited with ${code}:\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as ClientRun);
      } catch (err) {
        reject(new Error(`oip_clients.py printed no JSON (${(err as Error).message}):\n${stdout}\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** The call's value, or a failure that names the client path and the error it met. */
function ok<T>(call: Call<T>, path: string): T {
  if (call !== null && typeof call === 'object' && 'error' in call) throw new Error(`${path} failed: ${call.error}`);
  return call as T;
}

// The first test waits for the Python run (interpreter start, kserve's imports: seconds on a busy host).
describe('the Python Open Inference Protocol clients against Node serving', { timeout: 60_000 }, () => {
  let server: ServerType;
  let url: string;
  let running: Promise<ClientRun> | undefined;
  /**
   * The clients' one run, started by the first test that needs it rather than in beforeAll, so that a
   * missing venv reads as failed tests in every report, not as skipped ones.
   */
  const clients = () => (running ??= runClients({ url, model: MODEL, rows }));
  /** What Windsock's JSON inference returns for `rows`. */
  let expected: number[][];
  let modelMetadata: unknown;

  beforeAll(async () => {
    const serving = await startNodeServingApp();
    apps.push(serving);
    const admin = (init: RequestInit): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${servingAdminToken}` } });
    const upload = await serving.fetch(`/admin/models/${MODEL}/versions/1/artifact`, admin({ method: 'PUT', headers: { 'x-windsock-sha256': fixture.sha256 }, body: modelBytes }));
    expect(upload.status, await upload.text()).toBe(201);
    const publish = { artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile };
    const published = await serving.fetch(`/admin/models/${MODEL}/versions/1`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(publish) }));
    expect(published.status, await published.text()).toBe(201);
    const weights = await serving.fetch(`/admin/models/${MODEL}/traffic`, admin({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) }));
    expect(weights.status).toBe(200);

    const json = await serving.fetch(`/v2/models/${MODEL}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', shape: [rows.length, 30], datatype: 'FP32', data: rows }] }),
    });
    expect(json.status).toBe(200);
    const data = ((await json.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data;
    expected = rows.map((_, r) => data.slice(r * 2, r * 2 + 2));
    modelMetadata = await (await serving.fetch(`/v2/models/${MODEL}`)).json();

    const { app } = serving;
    const address = await new Promise<AddressInfo>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info));
    });
    url = `127.0.0.1:${address.port}`;
  }, 60_000);

  afterAll(() => {
    server?.close();
  });

  it('runs the pinned client versions', async () => {
    const run = await clients();
    expect(run.versions).toEqual({ tritonclient: pinnedVersion('tritonclient'), kserve: pinnedVersion('kserve') });
  });

  it("answers tritonclient's health and metadata calls", async () => {
    const run = await clients();
    expect(ok(run.triton.is_server_live, 'triton is_server_live')).toBe(true);
    expect(ok(run.triton.is_server_ready, 'triton is_server_ready')).toBe(true);
    expect(ok(run.triton.is_model_ready, 'triton is_model_ready')).toBe(true);
    expect(ok(run.triton.server_metadata, 'triton get_server_metadata')).toEqual({ name: 'windsock', version: windsockVersion, extensions: ['binary_tensor_data'] });
    expect(ok(run.triton.model_metadata, 'triton get_model_metadata')).toEqual(modelMetadata);
  });

  it.each([
    ['defaults', 'binary in (set_data_from_numpy), no outputs named', true],
    ['binary_output', 'binary in, InferRequestedOutput(binary_data=True)', true],
    ['json', 'JSON in and out (binary_data=False)', false],
    ['versioned_with_parameters', 'binary in, /versions/1, priority, timeout and a custom parameter', true],
  ] as const)('tritonclient %s (%s) gets the probabilities JSON inference gives', async (call, _what, binary) => {
    const run = await clients();
    const result = ok(run.triton[call], `triton ${call}`);
    expect(result.binary).toBe(binary);
    expect(result.probabilities).toEqual(expected);
    if (call !== 'versioned_with_parameters') expect(result.id).toBe(`triton-${call === 'binary_output' ? 'binary-out' : call}`);
    else expect(result).toMatchObject({ id: 'triton-v1', model_version: '1' });
  });

  it("refuses tritonclient's classification request with a 400 the client reports", async () => {
    const run = await clients();
    const call = run.triton.classification;
    expect(call).toMatchObject({ status: '400' });
    expect((call as { error: string }).error).toMatch(/classification extension is not supported/);
  });

  it("answers KServe InferenceRESTClient's health calls", async () => {
    const run = await clients();
    expect(ok(run.kserve.is_server_live, 'kserve is_server_live')).toBe(true);
    expect(ok(run.kserve.is_server_ready, 'kserve is_server_ready')).toBe(true);
    expect(ok(run.kserve.is_model_ready, 'kserve is_model_ready')).toBe(true);
  });

  it.each([
    ['defaults', 'kserve-defaults', false],
    ['binary_output', 'kserve-binary-out', true],
    ['binary_data_output', 'kserve-binary-data-output', true],
    ['json', 'kserve-json', false],
  ] as const)('KServe InferenceRESTClient %s gets the probabilities JSON inference gives', async (call, id, binary) => {
    const run = await clients();
    const result = ok(run.kserve[call], `kserve ${call}`);
    expect(result).toMatchObject({ id, binary });
    expect(result.probabilities).toEqual(expected);
  });
});

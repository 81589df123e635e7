// `tsx bench/edge-floors.ts [--seconds 3]`: the floors under serving the example model, in one Node
// process with no HTTP: `session.run` at batch 1 on onnxruntime-web (the wasm build the edge runs,
// one thread) and on onnxruntime-node (default threads, and one intra-op thread); then each step
// of Windsock's infer path alone (body parse and signature check, response build and stringify,
// the recording of one request into the sketch) and the whole inference app in-process
// (app.request, onnxruntime-node, recording on and off). Per-call µs, each measured call timed alone.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { createServingApp } from '../api/serving/serving-app';
import type { ServingStore } from '../api/serving/serving-store';
import { SketchRecorder } from '../api/serving/sketch-recorder';
import { BlobArtifactSource } from '../api/node-serving/blob-artifact-source';
import { onnxruntimeNodeBackend } from '../api/node-serving/onnxruntime-node-backend';
import { openServingStore } from '../api/node-serving/open-serving-store';
import { LocalBlobStore } from '../artifacts/local-blob-store';
import { buildInferenceResponse, parseInferenceRequest, type InferenceOutput } from '../core/serving/inference-protocol';
import type { ModelSignature } from '../core/serving/model-signature';
import type { ReferenceProfile } from '../core/monitoring/reference-profile';
import { printTable, writeResults } from './bench-report';
import { ADMIN_TOKEN, fixture, hostLoad, inferBodies, inferPath, MODEL, modelBytes } from './edge-servers';
import { latencySummary, type LatencySummary } from './serving-load';
import { numberArg } from './bench-args';

const seconds = numberArg('seconds', 3);
const MAX_CALLS = 200_000;
const signature = fixture.signature as unknown as ModelSignature;
const profile = fixture.referenceProfile as ReferenceProfile;
const rows = fixture.holdoutRows;
const bodies = inferBodies();

interface Floor {
  name: string;
  note: string;
  /** Per call, µs. */
  us: LatencySummary;
}
const floors: Floor[] = [];

/**
 * Calls fn repeatedly for `seconds` (after a short warm-up), timing each call; returns µs. A call
 * that resolves to measure.untimed did housekeeping and is left out of the samples.
 */
async function measure(name: string, note: string, fn: (i: number) => unknown): Promise<void> {
  const warmUntil = performance.now() + 300;
  for (let i = 0; performance.now() < warmUntil && i < MAX_CALLS; i++) await fn(i);
  const samples: number[] = [];
  const until = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < until && i < MAX_CALLS; i++) {
    const started = performance.now();
    const result = await fn(i);
    if (result !== measure.untimed) samples.push((performance.now() - started) * 1000);
  }
  const us = latencySummary(samples);
  floors.push({ name, note, us });
  console.log(`[bench] ${name.padEnd(44)} p50 ${us.p50.toFixed(1).padStart(7)} µs  mean ${us.mean.toFixed(1).padStart(7)} µs  (${us.n} calls)`);
}

measure.untimed = Symbol('untimed');

const start = hostLoad();
console.log(`[bench] floors, ${seconds} s each; load average ${start.loadavg.join(' ')} on ${start.cpus} cores`);

// --- session.run alone -------------------------------------------------------------------------
const inputName = signature.inputs[0]!.name;
const outputNames = signature.outputs.map((o) => o.name);
const rowTensors = <T>(make: (data: Float32Array) => T) => rows.map((row) => make(Float32Array.from(row)));

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.proxy = false;
const webStarted = performance.now();
const webSession = await ortWeb.InferenceSession.create(new Uint8Array(modelBytes), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const webCreateMs = performance.now() - webStarted;
const webInputs = rowTensors((d) => new ortWeb.Tensor('float32', d, [1, d.length]));
await measure('onnxruntime-web (wasm, 1 thread) session.run', 'the edge backend, in Node instead of workerd', (i) => webSession.run({ [inputName]: webInputs[i % webInputs.length]! }, outputNames));

const nodeStarted = performance.now();
const nodeSession = await ortNode.InferenceSession.create(new Uint8Array(modelBytes));
const nodeCreateMs = performance.now() - nodeStarted;
const nodeInputs = rowTensors((d) => new ortNode.Tensor('float32', d, [1, d.length]));
await measure('onnxruntime-node (default threads) session.run', 'the Node backend as Windsock creates it', (i) => nodeSession.run({ [inputName]: nodeInputs[i % nodeInputs.length]! }, outputNames));
const nodeSession1 = await ortNode.InferenceSession.create(new Uint8Array(modelBytes), { intraOpNumThreads: 1, interOpNumThreads: 1 });
await measure('onnxruntime-node (1 thread) session.run', 'intraOpNumThreads 1', (i) => nodeSession1.run({ [inputName]: nodeInputs[i % nodeInputs.length]! }, outputNames));

// --- Windsock's per-request steps --------------------------------------------------------------
await measure('JSON.parse + parseInferenceRequest', 'body text to checked Float32Array', (i) => {
  const parsed = parseInferenceRequest(JSON.parse(bodies[i % bodies.length]!), signature, { maxBatch: 1024, maxElements: 1_000_000 });
  if (!parsed.ok) throw new Error(parsed.error);
});
const sampleOutputs: InferenceOutput[] = [{ name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.25, 0.75]) }];
await measure('buildInferenceResponse + JSON.stringify', 'outputs to response text', () => JSON.stringify(buildInferenceResponse({ modelName: MODEL, modelVersion: '1', outputs: sampleOutputs })));

// The recorder as the infer route drives it (recordOf's rows and argmax, then record), with a
// store that is never written: flushes are measured end to end, not here.
const recorder = new SketchRecorder({ appendSketches: async () => {} } as unknown as ServingStore, { maxPendingRequests: 1e9, maxPendingMs: 1e12 });
const width = profile.features.length;
await measure('recording one request (recordOf + record)', 'CPU of the deferred work, no flush', (i) => {
  const data = Float32Array.from(rows[i % rows.length]!);
  const rowArrays = [Array.from({ length: width }, (_, f) => data[f]!)];
  const probabilities = sampleOutputs[0]!.data as Float32Array;
  recorder.record(MODEL, 1, profile, { rows: rowArrays, predictedClasses: [probabilities[1]! > probabilities[0]! ? 1 : 0], latencyMs: 0.5 }, Date.now());
});

// --- The whole app in-process ----------------------------------------------------------------
async function appFloor(recording: boolean): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-bench-floors-'));
  const { store, client } = await openServingStore(`file:${path.join(home, 'edge.db')}`);
  const pending: Promise<unknown>[] = [];
  const { app } = createServingApp({
    store,
    artifacts: new BlobArtifactSource(new LocalBlobStore(path.join(home, 'artifacts'))),
    backend: onnxruntimeNodeBackend,
    principals: [{ name: 'bench', roles: ['admin'], token: ADMIN_TOKEN }],
    defer: () => (work) => void pending.push(work),
    recording,
  });
  const admin = async (method: string, route: string, body: string | Uint8Array, headers: Record<string, string>) => {
    const res = await app.request(route, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  };
  await admin('PUT', `/admin/models/${MODEL}/versions/1/artifact`, new Uint8Array(modelBytes), { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 });
  await admin('PUT', `/admin/models/${MODEL}/versions/1`, JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }), { 'content-type': 'application/json' });
  await admin('PUT', `/admin/models/${MODEL}/traffic`, JSON.stringify({ weights: { '1': 100 } }), { 'content-type': 'application/json' });
  if (!recording) {
    await measure('inference app in-process, GET /v2/health/live', 'app.request: Request, Hono, Response; no inference', async () => {
      const res = await app.request('/v2/health/live');
      await res.text();
    });
  }
  // The deferred work runs in the background, as on a server; it is drained now and then, untimed.
  await measure(`inference app in-process, infer, recording ${recording ? 'on' : 'off'}`, 'app.request with ort-node, body to response text', async (i) => {
    if (pending.length >= 256) return Promise.all(pending.splice(0)).then(() => measure.untimed);
    const res = await app.request(inferPath, { method: 'POST', body: bodies[i % bodies.length]!, headers: { 'content-type': 'application/json' } });
    await res.text();
    if (res.status !== 200) throw new Error(`infer answered ${res.status}`);
  });
  await Promise.all(pending.splice(0));
  client.close();
}
await appFloor(false);
await appFloor(true);

console.log('');
printTable(
  ['floor', 'p50 µs', 'mean µs', 'p99 µs', 'calls', 'note'],
  floors.map((f) => [f.name, f.us.p50.toFixed(1), f.us.mean.toFixed(1), f.us.p99.toFixed(1), String(f.us.n), f.note]),
);
console.log(`\nsession create: onnxruntime-web ${webCreateMs.toFixed(0)} ms (first in the process, starts the wasm), onnxruntime-node ${nodeCreateMs.toFixed(0)} ms`);
const end = hostLoad();
console.log(`[bench] load average ${start.loadavg.join(' ')} at start, ${end.loadavg.join(' ')} at end`);
console.log(`[bench] results: ${writeResults('edge-floors', { seconds, host: { start, end }, sessionCreateMs: { onnxruntimeWeb: webCreateMs, onnxruntimeNode: nodeCreateMs }, floors })}`);
process.exit(0);

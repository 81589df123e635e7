// `tsx bench/metrics-overhead.ts [--requests 1000] [--rounds 15]`: what Prometheus metrics cost per
// request, in process (no sockets, whose cost would hide it), side by side:
// - Node serving, the same app with and without its metrics (`app.fetch` vs the counted `fetch`):
//   one-row inference on onnxruntime-node (recording on), and GET /v2/health/live;
// - the middleware the control API and the runner mount, on a bare Hono app with a
//   `/v1/pipelines/:id` route, with and without it;
// - one scrape of each registry (default Node metrics and the series the requests made).
// Variants alternate within each round; the fastest round of each, in wall time and in CPU time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { createMetricsRegistry, HttpRequestMetrics } from '../api/http/http-metrics';
import { openNodeInferenceApp } from '../api/node-serving/node-inference-app';
import fixture from '../test/fixtures/breast-cancer-serving.json';
import reference from '../test/fixtures/breast-cancer-mlp.reference.json';
import { intArg } from './bench-args';
import { printTable, writeResults } from './bench-report';

const requests = intArg('requests', 1000);
const rounds = intArg('rounds', 15);
const token = 'bench-token-0123456789abcdef';

type Send = () => Promise<Response>;

interface PerRequest {
  /** Wall time, ms. */
  wall: number;
  /** This process's CPU time (all its threads), ms: steadier than wall time on a shared host. */
  cpu: number;
}

async function timed(send: Send, n: number): Promise<PerRequest> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const res = await send();
    await res.arrayBuffer();
  }
  const cpu = process.cpuUsage(cpuStarted);
  return { wall: (performance.now() - started) / n, cpu: (cpu.user + cpu.system) / 1000 / n };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Per-request times (the fastest round's) of each variant, taken in turn, the order alternating. */
async function compare(variants: { without: Send; with: Send }): Promise<{ without: PerRequest; with: PerRequest }> {
  for (const send of Object.values(variants)) await timed(send, Math.min(500, requests)); // warm up
  const samples = { without: [] as PerRequest[], with: [] as PerRequest[] };
  for (let r = 0; r < rounds; r++) {
    const order = (['without', 'with'] as const).slice();
    if (r % 2) order.reverse();
    for (const name of order) samples[name].push(await timed(variants[name], requests));
  }
  // The fastest round: on a shared host the others measure the neighbours as much as the code.
  const pick = (xs: PerRequest[]) => ({ wall: Math.min(...xs.map((x) => x.wall)), cpu: Math.min(...xs.map((x) => x.cpu)) });
  return { without: pick(samples.without), with: pick(samples.with) };
}

const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-bench-metrics-'));
const serving = await openNodeInferenceApp({
  databaseUrl: `file:${path.join(home, 'edge.db')}`,
  artifactsDir: path.join(home, 'artifacts'),
  principals: [{ name: 'bench', roles: ['admin'], token }],
});
const authorization = `Bearer ${token}`;
const admin = (url: string, init: RequestInit) => serving.fetch(new Request(`http://bench${url}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization } }));
await admin('/admin/models/bc/versions/1/artifact', { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 }, body: readFileSync(new URL('../test/fixtures/breast-cancer-mlp.onnx', import.meta.url)) });
await admin('/admin/models/bc/versions/1', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }) });
await admin('/admin/models/bc/traffic', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weights: { '1': 100 } }) });

const inferBody = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: reference.input.data.slice(0, 30) }] });
const inferRequest = () => new Request('http://bench/v2/models/bc/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: inferBody });
const liveRequest = () => new Request('http://bench/v2/health/live');

const bare = new Hono().get('/v1/pipelines/:id', (c) => c.json({ id: c.req.param('id') }));
const registry = createMetricsRegistry();
const metered = new Hono().use(new HttpRequestMetrics(registry).middleware()).get('/v1/pipelines/:id', (c) => c.json({ id: c.req.param('id') }));
let n = 0;

const results = {
  'Node serving: infer (1 row)': await compare({ without: async () => serving.app.fetch(inferRequest()), with: () => serving.fetch(inferRequest()) }),
  'Node serving: GET /v2/health/live': await compare({ without: async () => serving.app.fetch(liveRequest()), with: () => serving.fetch(liveRequest()) }),
  'Hono middleware (control API, runner)': await compare({
    without: async () => bare.fetch(new Request(`http://bench/v1/pipelines/p-${n++}`)),
    with: async () => metered.fetch(new Request(`http://bench/v1/pipelines/p-${n++}`)),
  }),
};
await serving.settled();

const scrapeMs = async (scrape: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    await scrape();
    times.push(performance.now() - started);
  }
  return median(times);
};
const servingScrape = await scrapeMs(async () => (await serving.fetch(new Request('http://bench/metrics', { headers: { authorization } }))).text());
const middlewareScrape = await scrapeMs(() => registry.metrics());

const us = (msValue: number) => `${(msValue * 1000).toFixed(1)} us`;
const rps = (msValue: number) => `${Math.round(1000 / msValue)}`;
printTable(
  ['', 'req/s without', 'req/s with', 'wall without', 'wall with', 'CPU without', 'CPU with', 'CPU cost'],
  Object.entries(results).map(([name, r]) => [name, rps(r.without.wall), rps(r.with.wall), us(r.without.wall), us(r.with.wall), us(r.without.cpu), us(r.with.cpu), us(r.with.cpu - r.without.cpu)]),
);
console.log(`\none scrape: Node serving ${servingScrape.toFixed(2)} ms, middleware registry ${middlewareScrape.toFixed(2)} ms (median of 50)`);
writeResults('metrics-overhead', { requests, rounds, results, scrapeMs: { serving: servingScrape, middleware: middlewareScrape } });

await serving.close();
rmSync(home, { recursive: true, force: true });
process.exit(0);

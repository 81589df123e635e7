// `tsx bench/ground-truth-recording.ts [--seconds 10] [--concurrency 1,8] [--rounds 2] [--targets workerd,node] [--micro-only]`:
// what remembering predictions for ground truth (request id -> version, predicted class, in the
// recorder's batches) costs the serving path. Recording is on in both variants; only
// WINDSOCK_REMEMBER_PREDICTIONS differs ("on" / "off"), so the difference is the prediction rows
// alone. The requests carry no protocol id, so each is remembered under the id serving assigns: the
// most it can cost. Closed-loop load, the two variants interleaved round by round (on/off, then
// off/on) as in edge-recording. Checks after the runs: the remembered count (the accuracy route's
// `predictions`) against the requests sent, and 0 with the variant off. First, in process and free
// of the network's noise: the recorder's own CPU per request with and without remembering (the
// prediction rows, and the one JSON insert statement a batch of them becomes, as Node's writer thread
// gets it), 500 requests a batch.
import path from 'node:path';
import { printTable, writeResults } from './bench-report';
import {
  abortAfter, ADMIN_TOKEN, benchTmp, buildEdgeBundle, hostLoad, inferBodies, inferOnce, inferPath, MODEL, publishExampleModel,
  startMiniflare, startNodeServing, stopAllServers, type ServingTarget,
} from './edge-servers';
import { fmtMs, fmtRps, poolRuns, runLoad, withoutSamples, type LoadResult, type MeasuredLoad } from './serving-load';
import { choiceListArg, flag, intListArg, numberArg } from './bench-args';
import fixture from '../test/fixtures/breast-cancer-serving.json';
import { drizzle } from 'drizzle-orm/libsql';
import { createClient } from '@libsql/client';
import * as schema from '../drizzle/edge-schema';
import { SketchRecorder } from '../api/serving/sketch-recorder';
import { GroundTruthStore, type PredictionRow } from '../api/serving/ground-truth-store';
import type { ServingDb } from '../api/serving/serving-store';
import type { ReferenceProfile } from '../core/monitoring/reference-profile';

const seconds = numberArg('seconds', 10);
const concurrencies = intListArg('concurrency', [1, 8]);
const rounds = numberArg('rounds', 2);
const allKinds = ['workerd', 'node'] as const;
type Kind = (typeof allKinds)[number];
const kinds: Kind[] = choiceListArg('targets', allKinds, ['workerd', 'node']);
const labels: Record<Kind, string> = { workerd: 'workerd (direct socket)', node: 'Node app (ort-node)' };
const WARMUP_MS = 1000;
const MAX_REQUESTS = 200_000;
const variants = ['on', 'off'] as const;
type Variant = (typeof variants)[number];

/** Predictions remembered over the last hour, after a flush. */
async function remembered(target: ServingTarget): Promise<number> {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  await (await fetch(`${target.url}/admin/flush`, { method: 'POST', headers: auth })).arrayBuffer();
  const res = await fetch(`${target.url}/admin/models/${MODEL}/accuracy?from=${Date.now() - 3_600_000}`, { headers: auth });
  const body = (await res.json()) as { versions?: Record<string, { predictions: number }> };
  if (!res.ok) throw new Error(`accuracy answered ${res.status}: ${JSON.stringify(body)}`);
  return Object.values(body.versions ?? {}).reduce((s, v) => s + v.predictions, 0);
}

interface Loaded {
  target: ServingTarget;
  loadUrl: string;
}

let build: ReturnType<typeof buildEdgeBundle> | undefined;
async function start(kind: Kind, variant: Variant, dir: string): Promise<Loaded> {
  const vars = { WINDSOCK_REMEMBER_PREDICTIONS: variant };
  let loaded: Loaded;
  if (kind === 'workerd') {
    build ??= buildEdgeBundle(path.join(dir, 'worker'));
    const target = await startMiniflare(build, { recording: true, vars });
    loaded = { target, loadUrl: target.directUrl };
  } else {
    const target = await startNodeServing({ recording: true, vars });
    loaded = { target, loadUrl: target.url };
  }
  await publishExampleModel(loaded.target.url);
  await inferOnce(loaded.loadUrl, inferBodies()[0]!);
  return loaded;
}

/** ns of recorder CPU per request, remembering or not, over `requests` one-row requests (median of 5 passes). */
async function recorderCost(remember: boolean, requests: number): Promise<number> {
  const profile = fixture.referenceProfile as ReferenceProfile;
  const truth = new GroundTruthStore(drizzle(createClient({ url: ':memory:' }), { schema }) as unknown as ServingDb);
  let statements = 0;
  const predictionSink = { appendPredictions: async (rows: PredictionRow[]) => void (statements += truth.predictionStatement(rows).params.length) };
  const timers = { now: () => 0, set: () => undefined };
  const passes: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const recorder = new SketchRecorder({ appendSketches: async () => undefined }, { maxPendingRequests: 500, maxPendingMs: 2000 }, undefined, timers, remember ? predictionSink : undefined);
    const rows = fixture.holdoutRows as number[][];
    // Serving has each request's id already (the protocol's, or x-request-id): made before the clock starts.
    const ids = Array.from({ length: requests }, (_, i) => `req-${i}-0123456789abcdef`);
    const started = process.hrtime.bigint();
    for (let i = 0; i < requests; i++) {
      const record = { rows: [rows[i % rows.length]!], predictedClasses: [i % 2] };
      recorder.record(MODEL, 1, profile, { ...record, latencyMs: 2 }, 0);
      if (recorder.remembersPredictions) recorder.remember(MODEL, 1, ids[i]!, record.predictedClasses, 0);
      if (recorder.due(0)) await recorder.flush();
    }
    await recorder.flush();
    passes.push(Number(process.hrtime.bigint() - started) / requests);
  }
  if (remember && statements === 0) throw new Error('no prediction statement was built');
  return passes.sort((a, b) => a - b)[2]!;
}

const microRequests = 100_000;
const micro = { off: await recorderCost(false, microRequests), on: await recorderCost(true, microRequests) };
const microAgain = { on: await recorderCost(true, microRequests), off: await recorderCost(false, microRequests) };
const microOn = Math.min(micro.on, microAgain.on);
const microOff = Math.min(micro.off, microAgain.off);
console.log(`[bench] in process, ${microRequests} requests: recorder ${microOff.toFixed(0)} ns/request without remembering, ${microOn.toFixed(0)} ns with (+${(microOn - microOff).toFixed(0)} ns, x${(microOn / microOff).toFixed(2)})`);
if (flag('micro-only')) process.exit(0);

abortAfter((kinds.length * concurrencies.length * rounds * 2 * (seconds + 2) + 300) * 1000, 'ground-truth-recording');
const bodies = inferBodies();
const tmp = benchTmp('ground-truth-recording');
const startLoad = hostLoad();
console.log(`[bench] remembering predictions on vs off (recording on in both): ${kinds.join(', ')}; c=${concurrencies.join(',')}; ${rounds} rounds of ${seconds} s; load average ${startLoad.loadavg.join(' ')} on ${startLoad.cpus} cores`);

interface Cell {
  kind: Kind;
  concurrency: number;
  variant: Variant;
  pooled: LoadResult;
  runs: LoadResult[];
}
const cells: Cell[] = [];
const checks: Record<string, { sent: number; remembered: number }> = {};
try {
  for (const kind of kinds) {
    console.log(`[bench] starting ${labels[kind]}: predictions remembered and not`);
    const pair: Record<Variant, Loaded> = { on: await start(kind, 'on', tmp), off: await start(kind, 'off', tmp) };
    const before = { on: await remembered(pair.on.target), off: await remembered(pair.off.target) };
    const runs = new Map<string, MeasuredLoad[]>();
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of concurrencies) {
        for (const variant of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          const result = await runLoad({ url: `${pair[variant].loadUrl}${inferPath}`, bodies, concurrency, durationMs: seconds * 1000, maxRequests: MAX_REQUESTS, warmupMs: WARMUP_MS });
          if (result.errors) console.warn(`[bench] ${kind} predictions ${variant} c=${concurrency}: ${result.errors} errors, first: ${result.firstError}`);
          console.log(`[bench]   ${labels[kind]} round ${round + 1} c=${concurrency} predictions ${variant.padEnd(3)} ${fmtRps(result.rps).padStart(6)} req/s  p50 ${fmtMs(result.latencyMs.p50)} ms  p99 ${fmtMs(result.latencyMs.p99)} ms`);
          const key = `${concurrency}/${variant}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
        }
      }
    }
    // The warm-ups are remembered too, so `on` counts a little more than was measured.
    for (const variant of variants) {
      const measured = [...runs].filter(([key]) => key.endsWith(`/${variant}`)).flatMap(([, r]) => r);
      checks[`${kind}/${variant}`] = { sent: measured.reduce((s, r) => s + r.requests, 0), remembered: (await remembered(pair[variant].target)) - before[variant] };
    }
    for (const concurrency of concurrencies) {
      for (const variant of variants) {
        const measured = runs.get(`${concurrency}/${variant}`)!;
        cells.push({ kind, concurrency, variant, pooled: poolRuns(measured), runs: measured.map(withoutSamples) });
      }
    }
    await pair.on.target.stop();
    await pair.off.target.stop();
  }
} finally {
  await stopAllServers();
}

console.log('');
const costs = [];
for (const kind of kinds) {
  for (const concurrency of concurrencies) {
    const cell = (variant: Variant) => cells.find((c) => c.kind === kind && c.concurrency === concurrency && c.variant === variant)!;
    const on = cell('on');
    const off = cell('off');
    const paired = on.runs.map((r, i) => r.rps / off.runs[i]!.rps);
    costs.push({
      kind,
      concurrency,
      rpsOn: on.pooled.rps,
      rpsOff: off.pooled.rps,
      rpsRatio: on.pooled.rps / off.pooled.rps,
      pairedRatios: paired,
      p50On: on.pooled.latencyMs.p50,
      p50Off: off.pooled.latencyMs.p50,
      p99On: on.pooled.latencyMs.p99,
      p99Off: off.pooled.latencyMs.p99,
    });
  }
}
printTable(
  ['target', 'c', 'req/s on', 'req/s off', 'on/off', 'per round on/off', 'p50 on', 'p50 off', 'p99 on', 'p99 off'],
  costs.map((c) => [
    labels[c.kind],
    String(c.concurrency),
    fmtRps(c.rpsOn),
    fmtRps(c.rpsOff),
    c.rpsRatio.toFixed(3),
    c.pairedRatios.map((r) => r.toFixed(3)).join(' / '),
    fmtMs(c.p50On),
    fmtMs(c.p50Off),
    fmtMs(c.p99On),
    fmtMs(c.p99Off),
  ]),
);
console.log('');
for (const [key, check] of Object.entries(checks)) console.log(`[check] ${key}: ${check.remembered} predictions remembered for ${check.sent} requests measured (+ warm-ups)`);
const endLoad = hostLoad();
console.log(`[bench] load average ${startLoad.loadavg.join(' ')} at start, ${endLoad.loadavg.join(' ')} at end`);
console.log(`[bench] results: ${writeResults('ground-truth-recording', { micro: { requests: microRequests, nsPerRequestOn: microOn, nsPerRequestOff: microOff }, seconds, rounds, concurrencies, warmupMs: WARMUP_MS, host: { start: startLoad, end: endLoad }, cells, costs, checks })}`);
process.exit(0);

// `tsx bench/edge-recording.ts [--seconds 10] [--concurrency 1,8] [--rounds 2] [--targets workerd,wrangler,node,miniflare]`:
// what recording serving statistics (latency and drift sketches, after each response) costs at the
// edge. The same build twice, WINDSOCK_RECORDING on and off, side by side, the example model
// published on each; closed-loop load at each concurrency, the two variants interleaved round by
// round (on/off, then off/on) so that drift on a shared host falls on both. Served as: the built
// worker on workerd through Miniflare's API, on a direct socket into the worker (`workerd`) or
// through Miniflare's entry worker (`miniflare`); through `wrangler dev` (its proxy in front); and
// Windsock's Node serving app (`node`) for reference. Each recorder's own counts are read back:
// requests recorded against requests sent, and its latency p50 against the client's.
// The target: recording costs under 10% of throughput and under 0.3 ms of p50.
import path from 'node:path';
import { printTable, writeResults } from './bench-report';
import {
  abortAfter, ADMIN_TOKEN, benchTmp, buildEdgeBundle, hostLoad, inferBodies, inferOnce, inferPath, MODEL, publishExampleModel,
  startMiniflare, startNodeServing, startWranglerDev, stopAllServers, type ServingTarget,
} from './edge-servers';
import { fmtMs, fmtRps, poolRuns, runLoad, withoutSamples, type LoadResult, type MeasuredLoad } from './serving-load';
import { choiceListArg, intListArg, numberArg } from './bench-args';

const seconds = numberArg('seconds', 10);
const concurrencies = intListArg('concurrency', [1, 8]);
const rounds = numberArg('rounds', 2);
const allKinds = ['workerd', 'miniflare', 'wrangler', 'node'] as const;
type Kind = (typeof allKinds)[number];
const kinds: Kind[] = choiceListArg('targets', allKinds, ['workerd', 'wrangler', 'node']);
const labels: Record<Kind, string> = {
  workerd: 'workerd (direct socket)',
  miniflare: 'workerd (Miniflare entry)',
  wrangler: 'wrangler dev',
  node: 'Node app (ort-node)',
};
const WARMUP_MS = 1000;
const MAX_REQUESTS = 200_000;

const variants = ['on', 'off'] as const;
type Variant = (typeof variants)[number];

interface Cell {
  kind: Kind;
  concurrency: number;
  recording: Variant;
  pooled: LoadResult;
  runs: LoadResult[];
}

interface Recorded {
  requests: number;
  /** The recorder's own latency p50 over everything it holds, ms. */
  latencyP50?: number;
}

/** What the recorder counted, after a flush: on should match what was sent, off should be 0. */
async function recorded(target: ServingTarget): Promise<Recorded> {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const flush = await fetch(`${target.url}/admin/flush`, { method: 'POST', headers: auth });
  await flush.arrayBuffer();
  const res = await fetch(`${target.url}/admin/models/${MODEL}/metrics?from=${Date.now() - 3_600_000}`, { headers: auth });
  const body = (await res.json()) as { versions?: Record<string, { requests?: number; latencyMs?: { p50: number } | null }> };
  if (!res.ok) throw new Error(`metrics answered ${res.status}: ${JSON.stringify(body)}`);
  const versions = Object.values(body.versions ?? {});
  return { requests: versions.reduce((s, v) => s + (v.requests ?? 0), 0), latencyP50: versions[0]?.latencyMs?.p50 };
}

/** A started target and the URL the load goes to (for `workerd`, the direct socket). */
interface Loaded {
  target: ServingTarget;
  loadUrl: string;
}

async function startPair(kind: Kind, buildDir: string): Promise<Record<Variant, Loaded>> {
  const start = async (recording: boolean): Promise<Loaded> => {
    let loaded: Loaded;
    if (kind === 'workerd' || kind === 'miniflare') {
      const target = await startMiniflare(buildEdgeBundleOnce(buildDir), { recording });
      loaded = { target, loadUrl: kind === 'workerd' ? target.directUrl : target.url };
    } else {
      const target = kind === 'wrangler' ? await startWranglerDev({ recording }) : await startNodeServing({ recording });
      loaded = { target, loadUrl: target.url };
    }
    await publishExampleModel(loaded.target.url);
    await inferOnce(loaded.loadUrl, inferBodies()[0]!); // loads the session: the cold path is edge-bundle's
    return loaded;
  };
  const on = await start(true);
  const off = await start(false);
  return { on, off };
}

let build: ReturnType<typeof buildEdgeBundle> | undefined;
function buildEdgeBundleOnce(dir: string) {
  build ??= buildEdgeBundle(path.join(dir, 'worker'));
  return build;
}

abortAfter((kinds.length * concurrencies.length * rounds * 2 * (seconds + 2) + 300) * 1000, 'edge-recording');
const bodies = inferBodies();
const tmp = benchTmp('edge-recording');
const startLoad = hostLoad();
console.log(`[bench] recording on vs off: ${kinds.join(', ')}; c=${concurrencies.join(',')}; ${rounds} rounds of ${seconds} s each; load average ${startLoad.loadavg.join(' ')} on ${startLoad.cpus} cores`);

const cells: Cell[] = [];
interface Check {
  sent: number;
  recorded: number;
}
const checks: Record<string, Check> = {};
/** A c=1 run first on the fresh recording server: the client's p50 and the recorder's own, ms. */
const accuracy: Record<string, { clientP50: number; recorderP50?: number; requests: number }> = {};
try {
  for (const kind of kinds) {
    console.log(`[bench] starting ${labels[kind]}: recording on and off`);
    const pair = await startPair(kind, tmp);
    const runs = new Map<string, MeasuredLoad[]>();
    // Before anything else is recorded (bar the one session-loading request), so that the recorder's
    // percentiles cover this run alone.
    const probe = await runLoad({ url: `${pair.on.loadUrl}${inferPath}`, bodies, concurrency: 1, durationMs: Math.min(seconds, 5) * 1000, maxRequests: MAX_REQUESTS });
    const probed = await recorded(pair.on.target);
    accuracy[kind] = { clientP50: probe.latencyMs.p50, requests: probe.requests, ...(probed.latencyP50 !== undefined && { recorderP50: probed.latencyP50 }) };
    const before = { on: probed, off: await recorded(pair.off.target) };
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of concurrencies) {
        const order: Variant[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
        for (const recording of order) {
          const result = await runLoad({ url: `${pair[recording].loadUrl}${inferPath}`, bodies, concurrency, durationMs: seconds * 1000, maxRequests: MAX_REQUESTS, warmupMs: WARMUP_MS });
          if (result.errors) console.warn(`[bench] ${kind} recording ${recording} c=${concurrency}: ${result.errors} errors, first: ${result.firstError}`);
          console.log(`[bench]   ${labels[kind]} round ${round + 1} c=${concurrency} recording ${recording.padEnd(3)} ${fmtRps(result.rps).padStart(6)} req/s  p50 ${fmtMs(result.latencyMs.p50)} ms  p99 ${fmtMs(result.latencyMs.p99)} ms`);
          const key = `${concurrency}/${recording}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
        }
      }
    }
    // The warm-ups are recorded too, so the recorder counts a little more than was measured.
    const after = { on: await recorded(pair.on.target), off: await recorded(pair.off.target) };
    for (const recording of variants) {
      const measured = [...runs].filter(([key]) => key.endsWith(`/${recording}`)).flatMap(([, r]) => r);
      checks[`${kind}/${recording}`] = { sent: measured.reduce((s, r) => s + r.requests, 0), recorded: after[recording].requests - before[recording].requests };
    }
    for (const concurrency of concurrencies) {
      for (const recording of variants) {
        const measured = runs.get(`${concurrency}/${recording}`)!;
        cells.push({ kind, concurrency, recording, pooled: poolRuns(measured), runs: measured.map(withoutSamples) });
      }
    }
    await pair.on.target.stop();
    await pair.off.target.stop();
  }
} finally {
  await stopAllServers();
}

console.log('');
printTable(
  ['target', 'c', 'recording', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'req/s per round', 'errors'],
  cells.map((cell) => [
    labels[cell.kind],
    String(cell.concurrency),
    cell.recording,
    fmtRps(cell.pooled.rps),
    fmtMs(cell.pooled.latencyMs.p50),
    fmtMs(cell.pooled.latencyMs.p90),
    fmtMs(cell.pooled.latencyMs.p99),
    cell.runs.map((r) => fmtRps(r.rps)).join(' / '),
    String(cell.pooled.errors),
  ]),
);

interface Cost {
  kind: Kind;
  concurrency: number;
  throughputCostPct: number;
  /** 1 - on/off per round (the two ran back to back), median and range: how far the host's noise reaches. */
  pairedCostPct: { median: number; min: number; max: number };
  p50DeltaMs: number;
  p99DeltaMs: number;
  meetsTarget: boolean;
}
const costs: Cost[] = [];
for (const kind of kinds) {
  for (const concurrency of concurrencies) {
    const on = cells.find((c) => c.kind === kind && c.concurrency === concurrency && c.recording === 'on')!.pooled;
    const off = cells.find((c) => c.kind === kind && c.concurrency === concurrency && c.recording === 'off')!.pooled;
    const throughputCostPct = (1 - on.rps / off.rps) * 100;
    const p50DeltaMs = on.latencyMs.p50 - off.latencyMs.p50;
    const onRuns = cells.find((c) => c.kind === kind && c.concurrency === concurrency && c.recording === 'on')!.runs;
    const offRuns = cells.find((c) => c.kind === kind && c.concurrency === concurrency && c.recording === 'off')!.runs;
    const paired = onRuns.map((r, i) => (1 - r.rps / offRuns[i]!.rps) * 100).sort((a, b) => a - b);
    const pairedCostPct = { median: paired.length % 2 ? paired[(paired.length - 1) / 2]! : (paired[paired.length / 2 - 1]! + paired[paired.length / 2]!) / 2, min: paired[0]!, max: paired[paired.length - 1]! };
    costs.push({ kind, concurrency, throughputCostPct, pairedCostPct, p50DeltaMs, p99DeltaMs: on.latencyMs.p99 - off.latencyMs.p99, meetsTarget: throughputCostPct < 10 && p50DeltaMs < 0.3 });
  }
}
console.log('');
printTable(
  ['target', 'c', 'throughput cost', 'per round: median (range)', 'p50 +ms', 'p99 +ms', 'target (<10%, <0.3 ms)'],
  costs.map((c) => [
    labels[c.kind],
    String(c.concurrency),
    `${c.throughputCostPct.toFixed(1)}%`,
    `${c.pairedCostPct.median.toFixed(1)}% (${c.pairedCostPct.min.toFixed(0)}..${c.pairedCostPct.max.toFixed(0)})`,
    c.p50DeltaMs.toFixed(3),
    c.p99DeltaMs.toFixed(3),
    c.meetsTarget ? 'met' : 'missed',
  ]),
);
console.log('');
for (const [key, check] of Object.entries(checks)) console.log(`[check] ${key}: ${check.recorded} requests recorded for ${check.sent} measured (+ warm-ups)`);
for (const [kind, a] of Object.entries(accuracy)) {
  console.log(`[check] ${kind}: c=1, ${a.requests} requests: latency p50 ${a.recorderP50 === undefined ? '-' : fmtMs(a.recorderP50)} ms as recorded, ${fmtMs(a.clientP50)} ms at the client`);
}
const endLoad = hostLoad();
console.log(`[bench] load average ${startLoad.loadavg.join(' ')} at start, ${endLoad.loadavg.join(' ')} at end`);
console.log(`[bench] results: ${writeResults('edge-recording', { seconds, rounds, concurrencies, warmupMs: WARMUP_MS, host: { start: startLoad, end: endLoad }, cells, costs, checks, accuracy })}`);
process.exit(0);

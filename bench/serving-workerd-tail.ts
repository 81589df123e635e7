// `tsx bench/serving-workerd-tail.ts [--seconds 6] [--concurrency 8] [--rounds 2] [--no-profile]`:
// where workerd's tail latency at eight connections comes from. The built edge worker served
// straight from workerd by Miniflare (direct socket, no entry worker), loaded closed-loop with the
// send time of every request kept: infer with recording on and off, GET /v2/health/live (workerd,
// Hono and the socket, no inference, no D1), and Windsock's Node app under the same client as a
// reference for what the client and the host add. Slow requests (over 5x the run's p50) are grouped
// into episodes by overlap in time: an episode that holds most of the connections at once is the
// server pausing, not one slow request. Then, unless --no-profile, one more recording-on run under
// V8's sampling profiler through workerd's inspector: where the isolate spends its time (GC, wasm,
// JS, idle) overall and inside the episodes, aligned on the monotonic clock.
import path from 'node:path';
import { printTable, writeResults } from './bench-report';
import {
  abortAfter, benchTmp, buildEdgeBundle, builtWorkerOptions, freePort, hostLoad, migrationStatements, inferBodies, inferPath, publishExampleModel, startNodeServing, stopAllServers,
  type EdgeBuild,
} from './edge-servers';
import { fmtMs, fmtRps, runLoad, type MeasuredLoad } from './serving-load';
import { flag, numberArg } from './bench-args';

const seconds = numberArg('seconds', 6);
const concurrency = numberArg('concurrency', 8);
const rounds = numberArg('rounds', 2);
const profile = !flag('no-profile');
const WARMUP_MS = 1500;
const MAX_REQUESTS = 100_000;
const STALL_FACTOR = 5;

abortAfter((4 * rounds * (seconds + 3) + (profile ? seconds + 30 : 0) + 240) * 1000, 'serving-workerd-tail');
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// ---------------------------------------------------------------------------------------------
// workerd through Miniflare, with its inspector open

interface Workerd {
  url: string;
  inspectorPort: number;
  stop(): Promise<unknown>;
}

async function startWorkerd(build: EdgeBuild, recording: boolean): Promise<Workerd> {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare');
  const inspectorPort = await freePort();
  const mf = new Miniflare(
    convertV4MiniflareOptions(
      builtWorkerOptions(build, {
        port: await freePort(),
        inspectorPort,
        persistDir: benchTmp('workerd-tail'),
        bindings: { WINDSOCK_TOKENS: 'bench:admin:bench-admin-token-0123456789abcdef', WINDSOCK_RECORDING: recording ? 'on' : 'off' },
      }),
    ),
  );
  await mf.ready;
  const db = await mf.getD1Database('EDGE_DB');
  for (const sql of migrationStatements()) await db.prepare(sql).run();
  const url = (await mf.unsafeGetDirectURL()).origin;
  await publishExampleModel(url);
  return { url, inspectorPort, stop: () => mf.dispose() };
}

// ---------------------------------------------------------------------------------------------
// Stall episodes

interface Episode {
  startMs: number;
  endMs: number;
  requests: number;
  /** Most slow requests in flight at one moment of the episode. */
  maxConcurrent: number;
  worstMs: number;
}

function episodesOf(run: MeasuredLoad): { thresholdMs: number; stalls: number; episodes: Episode[] } {
  const thresholdMs = STALL_FACTOR * run.latencyMs.p50;
  const slow = run.samples
    .map((latency, i) => ({ start: run.sentAtMs![i]!, end: run.sentAtMs![i]! + latency, latency }))
    .filter((r) => r.latency > thresholdMs)
    .sort((a, b) => a.start - b.start);
  const episodes: Episode[] = [];
  let current: (Episode & { members: { start: number; end: number }[] }) | undefined;
  for (const r of slow) {
    if (current && r.start <= current.endMs) {
      current.endMs = Math.max(current.endMs, r.end);
      current.requests++;
      current.worstMs = Math.max(current.worstMs, r.latency);
      current.members.push(r);
    } else {
      if (current) episodes.push(finish(current));
      current = { startMs: r.start, endMs: r.end, requests: 1, maxConcurrent: 1, worstMs: r.latency, members: [r] };
    }
  }
  if (current) episodes.push(finish(current));
  return { thresholdMs, stalls: slow.length, episodes };

  function finish(e: Episode & { members: { start: number; end: number }[] }): Episode {
    let most = 0;
    for (const m of e.members) most = Math.max(most, e.members.filter((o) => o.start <= m.start && o.end > m.start).length);
    return { startMs: e.startMs, endMs: e.endMs, requests: e.requests, maxConcurrent: most, worstMs: e.worstMs };
  }
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

// ---------------------------------------------------------------------------------------------
// The inspector: V8's sampling profiler over CDP

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

async function cdp(inspectorPort: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
  const target = targets.find((t) => !/^(core:|loopback)/.test(t.title ?? '')) ?? targets[0];
  if (!target) throw new Error('workerd lists no inspectable worker');
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.error ? Promise.reject(new Error(JSON.stringify(message.error))) : message.result);
  };
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = next++;
      waiting.set(id, resolve as (result: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

type Area = 'GC' | 'idle' | 'program' | 'wasm' | 'JS' | 'native';
function areaOf(node: CpuProfileNode): Area {
  const { functionName, url } = node.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program';
  if (url.startsWith('wasm://') || /^(wasm-function|\$)/.test(functionName)) return 'wasm';
  return url ? 'JS' : 'native';
}

function summarizeProfile(p: CpuProfile, windows: { fromUs: number; toUs: number }[]) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const total: Record<Area, number> = { GC: 0, idle: 0, program: 0, wasm: 0, JS: 0, native: 0 };
  const inEpisodes: Record<Area, number> = { GC: 0, idle: 0, program: 0, wasm: 0, JS: 0, native: 0 };
  const functions = new Map<string, { all: number; episodes: number }>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const dt = p.timeDeltas[i + 1] ?? 0;
    const node = byId.get(p.samples[i]!)!;
    const area = areaOf(node);
    total[area] += dt;
    const inside = windows.some((w) => t >= w.fromUs && t < w.toUs);
    if (inside) inEpisodes[area] += dt;
    const name = `${node.callFrame.functionName || '(anonymous)'} ${area === 'wasm' ? '[wasm]' : ''}`.trim();
    const f = functions.get(name) ?? { all: 0, episodes: 0 };
    f.all += dt;
    if (inside) f.episodes += dt;
    functions.set(name, f);
  }
  return { total, inEpisodes, functions };
}

// ---------------------------------------------------------------------------------------------
// The runs

type Target = 'infer-rec' | 'infer-norec' | 'health' | 'node-infer';
const labels: Record<Target, string> = {
  'infer-rec': 'workerd: infer, recording on',
  'infer-norec': 'workerd: infer, recording off',
  health: 'workerd: GET /v2/health/live',
  'node-infer': 'Node app: infer, recording on',
};

const start = hostLoad();
console.log(`[bench] workerd tail at c=${concurrency}: ${rounds} rounds of ${seconds} s per target; stalls are requests over ${STALL_FACTOR}x the run's p50; load average ${start.loadavg.join(' ')} on ${start.cpus} cores`);
const bodies = inferBodies();
const build = buildEdgeBundle(path.join(benchTmp('workerd-tail-build'), 'worker'));
const results: Record<string, unknown>[] = [];
const profiled: { target: Target; summary: ReturnType<typeof summarizeProfile>; run: { episodes: number; rps: number; p50: number; p99: number } }[] = [];
const workerdStops: (() => Promise<unknown>)[] = [];
try {
  const rec = await startWorkerd(build, true);
  workerdStops.push(rec.stop);
  const norec = await startWorkerd(build, false);
  workerdStops.push(norec.stop);
  const node = await startNodeServing({ recording: true });
  await publishExampleModel(node.url);
  const urls: Record<Target, { url: string; method: 'GET' | 'POST' }> = {
    'infer-rec': { url: `${rec.url}${inferPath}`, method: 'POST' },
    'infer-norec': { url: `${norec.url}${inferPath}`, method: 'POST' },
    health: { url: `${rec.url}/v2/health/live`, method: 'GET' },
    'node-infer': { url: `${node.url}${inferPath}`, method: 'POST' },
  };
  const targets = Object.keys(urls) as Target[];
  for (let round = 0; round < rounds; round++) {
    for (const target of targets.map((_, i) => targets[(i + round) % targets.length]!)) {
      const { url, method } = urls[target];
      const run = await runLoad({ url, method, bodies: method === 'POST' ? bodies : [], concurrency, durationMs: seconds * 1000, warmupMs: WARMUP_MS, maxRequests: MAX_REQUESTS, timeline: true });
      const { thresholdMs, stalls, episodes } = episodesOf(run);
      const wide = episodes.filter((e) => e.maxConcurrent >= Math.ceil(concurrency / 2));
      const gaps = wide.slice(1).map((e, i) => e.startMs - wide[i]!.startMs);
      const row = {
        target,
        round: round + 1,
        rps: run.rps,
        p50: run.latencyMs.p50,
        p99: run.latencyMs.p99,
        p999: quantile(run.samples, 0.999),
        max: run.latencyMs.max,
        thresholdMs,
        stalls,
        episodes: episodes.length,
        wideEpisodes: wide.length,
        wideWorstMedianMs: median(wide.map((e) => e.worstMs)),
        wideGapMedianMs: median(gaps),
        errors: run.errors,
        loadavg1: hostLoad().loadavg[0],
      };
      results.push(row);
      console.log(
        `[bench]   round ${round + 1} ${labels[target].padEnd(32)} ${fmtRps(run.rps).padStart(5)} req/s  p50 ${fmtMs(run.latencyMs.p50)}  p99 ${fmtMs(run.latencyMs.p99)}  p99.9 ${fmtMs(row.p999)}  max ${fmtMs(run.latencyMs.max)} ms; ` +
          `${stalls} slow, ${episodes.length} episodes, ${wide.length} holding >= ${Math.ceil(concurrency / 2)} connections (worst median ${fmtMs(row.wideWorstMedianMs)} ms, every ${fmtMs(row.wideGapMedianMs)} ms)  load ${row.loadavg1}`,
      );
    }
  }
  await node.stop();
  await norec.stop();

  if (profile) {
    for (const target of ['infer-rec', 'health'] as const) {
      const inspector = await cdp(rec.inspectorPort);
      await inspector.send('Profiler.enable');
      await inspector.send('Profiler.setSamplingInterval', { interval: 200 });
      await inspector.send('Profiler.start');
      // V8's profile times are µs on the monotonic clock, as process.hrtime's.
      const originUs = monotonicUs();
      const { url, method } = urls[target];
      const run = await runLoad({ url, method, bodies: method === 'POST' ? bodies : [], concurrency, durationMs: seconds * 1000, maxRequests: MAX_REQUESTS, timeline: true });
      const { profile: cpu } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
      inspector.close();
      const { episodes } = episodesOf(run);
      const windows = episodes.filter((e) => e.maxConcurrent >= Math.ceil(concurrency / 2)).map((e) => ({ fromUs: originUs + e.startMs * 1000, toUs: originUs + e.endMs * 1000 }));
      profiled.push({ target, summary: summarizeProfile(cpu, windows), run: { episodes: windows.length, rps: run.rps, p50: run.latencyMs.p50, p99: run.latencyMs.p99 } });
    }
  }
} finally {
  for (const stop of workerdStops) await stop().catch(() => {});
  await stopAllServers();
}

console.log('');
const targetsSeen = [...new Set(results.map((r) => r.target as Target))];
printTable(
  ['target', 'c', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'slow (>5x p50)', 'wide episodes', 'their worst, median ms', 'between them, median ms'],
  targetsSeen.map((t) => {
    const rows = results.filter((r) => r.target === t);
    const sum = (k: string) => rows.reduce((s, r) => s + (r[k] as number), 0);
    const per = (k: string, f: (x: number) => string) => rows.map((r) => f(r[k] as number)).join(' / ');
    return [labels[t], String(concurrency), per('rps', fmtRps), per('p50', fmtMs), per('p99', fmtMs), per('p999', fmtMs), per('max', fmtMs), String(sum('stalls')), String(sum('wideEpisodes')), per('wideWorstMedianMs', fmtMs), per('wideGapMedianMs', fmtMs)];
  }),
);

for (const { target, summary, run } of profiled) {
  const totalUs = Object.values(summary.total).reduce((a, b) => a + b, 0);
  const episodeUs = Object.values(summary.inEpisodes).reduce((a, b) => a + b, 0);
  const pct = (x: number, of: number) => (of > 0 ? `${((100 * x) / of).toFixed(1)}%` : '-');
  console.log(`\n[bench] profiled: ${labels[target]} (200 µs sampling): ${fmtRps(run.rps)} req/s, p50 ${fmtMs(run.p50)} ms, p99 ${fmtMs(run.p99)} ms; ${run.episodes} wide episodes, ${(episodeUs / 1000).toFixed(0)} ms of ${(totalUs / 1000).toFixed(0)} ms`);
  printTable(['isolate time', 'whole run', 'inside wide episodes'], (Object.keys(summary.total) as Area[]).map((a) => [a, pct(summary.total[a], totalUs), pct(summary.inEpisodes[a], episodeUs)]));
  // The suspects besides GC, by name: wasm memory growth (emscripten's heap resize), session creation.
  const named = (pattern: RegExp) => [...summary.functions].filter(([name]) => pattern.test(name)).reduce((sum, [, f]) => ({ all: sum.all + f.all, episodes: sum.episodes + f.episodes }), { all: 0, episodes: 0 });
  const growth = named(/resize_?heap|grow/i);
  const creation = named(/createSession|InferenceSession|_OrtCreate|instantiate/i);
  console.log(`[bench] wasm memory growth ${pct(growth.all, totalUs)} of the run (${pct(growth.episodes, episodeUs)} of episodes); session creation ${pct(creation.all, totalUs)} (${pct(creation.episodes, episodeUs)})`);
  const top = [...summary.functions].sort((a, b) => b[1].episodes - a[1].episodes || b[1].all - a[1].all).slice(0, 12);
  printTable(['function (by time inside wide episodes)', 'whole run', 'inside episodes'], top.map(([name, f]) => [name.slice(0, 60), pct(f.all, totalUs), pct(f.episodes, episodeUs)]));
}
const end = hostLoad();
console.log(`\n[bench] load average ${start.loadavg.join(' ')} at start, ${end.loadavg.join(' ')} at end`);
console.log(`[bench] results: ${writeResults('serving-workerd-tail', { seconds, rounds, concurrency, stallFactor: STALL_FACTOR, host: { start, end }, results, profiles: profiled.map(({ target, summary, run }) => ({ target, total: summary.total, inEpisodes: summary.inEpisodes, run })) })}`);
process.exit(0);

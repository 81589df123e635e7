// `tsx bench/serving-node-floor.ts [--seconds 8] [--concurrency 1,8] [--rounds 3]
//   [--variants floor,windsock,windsock-norec,floor-headers] [--profile DIR]`:
// Windsock's Node mode against its floor. The floor is a bare Hono app on @hono/node-server with one
// KServe v2 infer route over onnxruntime-node (bench/serving-node-floor-server.ts), in its own
// process as Windsock's is. Windsock serves through api/node-serving/main.ts with the model
// published through the admin routes and routed by weights (no version in the path), recording on,
// and again with WINDSOCK_RECORDING=off to split routing and validation from recording. The same
// body (one holdout row, batch 1) to all; the three taken in turn each round, the order rotating.
// `floor-headers` (opt-in) is the floor plus only the header work Windsock does, to size that alone.
// Besides the client's figures, each server's own CPU time per request (/proc, user + system) and
// its event-loop thread's: on-CPU and runnable-but-waiting (schedstat), the host's share.
// The target: Windsock within 1.2x of the floor's p50 and throughput, recording on.
// --profile DIR: instead, one run per server at the highest concurrency under `node --cpu-prof`,
// the .cpuprofile files left in DIR and summarized (bench/serving-node-floor-profile.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { printTable, writeResults } from './bench-report';
import {
  abortAfter, ADMIN_TOKEN, benchTmp, freePort, hostLoad, inferBodies, inferPath, MODEL, projectRoot, publishExampleModel,
  startNodeServing, stopAllServers, waitForOk, type ServingTarget,
} from './edge-servers';
import { fmtMs, fmtRps, poolRuns, runLoad, withoutSamples, type LoadResult, type MeasuredLoad } from './serving-load';
import { printAreaComparison, printFunctionComparison, printProfileSummary, summarizeProfile, type ProfileSummary, type ProfileWindow } from './serving-node-floor-profile';
import { choiceListArg, intListArg, numberArg, textArg } from './bench-args';

const seconds = numberArg('seconds', 8);
const concurrencies = intListArg('concurrency', [1, 8]);
const rounds = numberArg('rounds', 3);
const profileArg = textArg('profile');
const profileDir = profileArg === undefined ? undefined : path.resolve(profileArg);
const WARMUP_MS = 1000;
const MAX_REQUESTS = 200_000;
const TARGET = 1.2;
const FLOOR_MODEL_NAME = 'bc';

const allVariants = ['floor', 'windsock', 'windsock-norec', 'floor-headers'] as const;
type Variant = (typeof allVariants)[number];
const labels: Record<Variant, string> = {
  floor: 'floor: bare Hono + ort-node',
  windsock: 'Windsock Node (recording on)',
  'windsock-norec': 'Windsock Node (recording off)',
  'floor-headers': 'floor + Windsock headers',
};
const variantsArg = choiceListArg('variants', allVariants, ['floor', 'windsock', 'windsock-norec']);
const variants = allVariants.filter((v) => variantsArg.includes(v));
if (variants[0] !== 'floor' || variants.length < 2) {
  console.error(`--variants is a comma-separated list of ${allVariants.join(', ')}, with floor and at least one other`);
  process.exit(2);
}

interface Server extends ServingTarget {
  loadUrl: string;
  pid: number;
}

// ---------------------------------------------------------------------------------------------
// Servers

const floorChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of floorChildren) child.kill('SIGKILL');
});

/** The floor; `headers`: plus the header work Windsock does per request (see serving-node-floor-server.ts). */
async function startFloor(nodeArgs: string[], headers = false): Promise<Server> {
  const port = await freePort();
  const log = createWriteStream(path.join(benchTmp('node-floor'), 'floor.log'));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(projectRoot, 'bench/serving-node-floor-server.ts')], {
    cwd: projectRoot,
    env: { ...process.env, FLOOR_PORT: String(port), FLOOR_MODEL: path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx'), FLOOR_MODEL_NAME, FLOOR_HEADERS: headers ? 'windsock' : 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  floorChildren.add(child);
  child.once('exit', () => floorChildren.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForOk(`${url}/v2/health/live`, 60_000, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: labels[headers ? 'floor-headers' : 'floor'], url, loadUrl: `${url}/v2/models/${FLOOR_MODEL_NAME}/infer`, pid: child.pid!, stop };
}

/** The pid of this process's child that serves on `port` (startNodeServing does not hand it out). */
function childServingOn(port: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`WINDSOCK_SERVE_PORT=${port}`)) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  throw new Error(`no child process serves on port ${port}`);
}

async function startWindsock(recording: boolean, nodeArgs: string[]): Promise<Server> {
  // startNodeServing takes no node flags; NODE_OPTIONS reaches the child (and nothing else is spawned meanwhile).
  const before = process.env.NODE_OPTIONS;
  if (nodeArgs.length) process.env.NODE_OPTIONS = [before, ...nodeArgs].filter(Boolean).join(' ');
  let target: ServingTarget;
  try {
    target = await startNodeServing({ recording });
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = before;
  }
  await publishExampleModel(target.url);
  const pid = childServingOn(new URL(target.url).port);
  return { ...target, name: labels[recording ? 'windsock' : 'windsock-norec'], loadUrl: `${target.url}${inferPath}`, pid };
}

async function startAll(nodeArgs: (variant: Variant) => string[]): Promise<Partial<Record<Variant, Server>>> {
  const servers: Partial<Record<Variant, Server>> = {};
  for (const v of variants) {
    if (v === 'floor' || v === 'floor-headers') servers[v] = await startFloor(nodeArgs(v), v === 'floor-headers');
    else servers[v] = await startWindsock(v === 'windsock', nodeArgs(v));
  }
  return servers;
}

// ---------------------------------------------------------------------------------------------
// Checks and measures

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).stdout.trim();
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU time of a process and its threads (onnxruntime's pool included), ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1000;
}

/** The same body must get the same probabilities from every server, or the comparison is void. */
async function sameAnswers(servers: Partial<Record<Variant, Server>>, body: string): Promise<number[]> {
  const answers = await Promise.all(
    variants.map(async (v) => {
      const res = await fetch(servers[v]!.loadUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const json = (await res.json()) as { outputs?: { name: string; data: number[] }[] };
      if (!res.ok || !json.outputs) throw new Error(`${labels[v]} answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
      return json.outputs.find((o) => o.name === 'probabilities')!.data;
    }),
  );
  const [first, ...rest] = answers;
  for (const [i, other] of rest.entries()) {
    if (other.length !== first!.length || other.some((x, k) => Math.abs(x - first![k]!) > 1e-6)) {
      throw new Error(`${labels[variants[i + 1]!]} answers ${JSON.stringify(other)}, the floor ${JSON.stringify(first)}`);
    }
  }
  return first!;
}

/** Requests the recording server counted, after a flush: it should be all of them. */
async function recordedRequests(server: Server): Promise<number> {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const flush = await fetch(`${server.url}/admin/flush`, { method: 'POST', headers: auth });
  await flush.arrayBuffer();
  const res = await fetch(`${server.url}/admin/models/${MODEL}/metrics?from=${Date.now() - 3_600_000}`, { headers: auth });
  const body = (await res.json()) as { versions?: Record<string, { requests?: number }> };
  if (!res.ok) throw new Error(`metrics answered ${res.status}: ${JSON.stringify(body)}`);
  return Object.values(body.versions ?? {}).reduce((s, v) => s + (v.requests ?? 0), 0);
}

/**
 * The event loop's thread alone (its tid is the pid): time on a CPU and time runnable but waiting
 * for one, ms. Node runs each request's JavaScript and session.run on this one thread, so its CPU
 * time per request bounds throughput; the wait is the shared host's share.
 */
function mainThreadMs(pid: number): { cpu: number; wait: number } {
  const [cpu, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
  return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
}

type Run = MeasuredLoad & { serverCpuMs: number; mainThreadCpuMs: number; mainThreadWaitMs: number; loadavg1: number };

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function measure(server: Server, body: string, concurrency: number, durationMs: number, onMeasuring?: () => void): Promise<Run> {
  const options = { url: server.loadUrl, bodies: [body], concurrency, maxRequests: MAX_REQUESTS };
  await runLoad({ ...options, durationMs: WARMUP_MS });
  onMeasuring?.();
  const cpuBefore = cpuMs(server.pid);
  const mainBefore = mainThreadMs(server.pid);
  const result = await runLoad({ ...options, durationMs });
  const mainAfter = mainThreadMs(server.pid);
  return {
    ...result,
    serverCpuMs: cpuMs(server.pid) - cpuBefore,
    mainThreadCpuMs: mainAfter.cpu - mainBefore.cpu,
    mainThreadWaitMs: mainAfter.wait - mainBefore.wait,
    loadavg1: hostLoad().loadavg[0]!,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** A per-run ms figure summed over runs, per successful request, µs. */
const usPerRequest = (runs: Run[], of: (r: Run) => number) => (runs.reduce((s, r) => s + of(r), 0) * 1000) / runs.reduce((s, r) => s + r.samples.length, 0);
const runLine = (run: Run) =>
  `${fmtRps(run.rps).padStart(6)} req/s  p50 ${fmtMs(run.latencyMs.p50)} ms  p99 ${fmtMs(run.latencyMs.p99)} ms  server CPU ${usPerRequest([run], (r) => r.serverCpuMs).toFixed(0)} µs/req (event loop ${usPerRequest([run], (r) => r.mainThreadCpuMs).toFixed(0)}, waiting ${usPerRequest([run], (r) => r.mainThreadWaitMs).toFixed(0)})`;

// ---------------------------------------------------------------------------------------------
// --profile: one run each under the V8 CPU profiler

if (profileDir) {
  mkdirSync(profileDir, { recursive: true });
  const concurrency = Math.max(...concurrencies);
  abortAfter((variants.length * (seconds + WARMUP_MS / 1000 + 2) + 180) * 1000, 'serving-node-floor --profile');
  const dirs = Object.fromEntries(variants.map((v) => [v, path.join(profileDir, v)])) as Record<Variant, string>;
  const summaries: Partial<Record<Variant, ProfileSummary>> = {};
  const windows: Partial<Record<Variant, ProfileWindow & { rps: number; p50: number }>> = {};
  try {
    // The default 1 ms between samples: at 100 µs the profiler's own cost distorts the split.
    const servers = await startAll((v) => ['--cpu-prof', `--cpu-prof-dir=${dirs[v]}`]);
    const body = inferBodies()[0]!;
    await sameAnswers(servers, body);
    for (const v of variants) {
      // The profile covers the whole process (start-up, module loading, publishing); only the measured run is summarized.
      let fromUs = 0;
      const run = await measure(servers[v]!, body, concurrency, seconds * 1000, () => (fromUs = monotonicUs()));
      windows[v] = { fromUs, toUs: monotonicUs(), requests: run.requests, rps: run.rps, p50: run.latencyMs.p50 };
      console.log(`[bench] profiled ${labels[v].padEnd(30)} c=${concurrency} ${runLine(run)}`);
    }
    // The profile is written when the process exits.
    for (const v of variants) await servers[v]!.stop();
  } finally {
    await stopAllServers();
  }
  for (const v of variants) {
    const file = readdirSync(dirs[v]).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile in ${dirs[v]}`);
    summaries[v] = await summarizeProfile(JSON.parse(readFileSync(path.join(dirs[v], file), 'utf8')), projectRoot, windows[v]);
    console.log(`\n[bench] ${labels[v]}: ${path.join(dirs[v], file)}`);
    printProfileSummary(summaries[v]!, 20);
  }
  console.log('');
  printAreaComparison(variants.map((v) => labels[v]), variants.map((v) => summaries[v]!));
  console.log('');
  printFunctionComparison(variants.map((v) => labels[v]), variants.map((v) => summaries[v]!), 30);
  console.log(`[bench] results: ${writeResults('serving-node-floor-profile', { commit, seconds, concurrency, host: hostLoad(), profileDir, windows, summaries })}`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The measured rounds

abortAfter((variants.length * concurrencies.length * rounds * (seconds + WARMUP_MS / 1000 + 1) + 180) * 1000, 'serving-node-floor');
const startLoad = hostLoad();
console.log(`[bench] Windsock Node (${commit}) vs the floor: c=${concurrencies.join(',')}; ${rounds} rounds of ${seconds} s per variant; load average ${startLoad.loadavg.join(' ')} on ${startLoad.cpus} cores`);

interface Cell {
  variant: Variant;
  concurrency: number;
  pooled: LoadResult;
  /** Server process CPU (all threads), event-loop thread CPU, and event-loop runqueue wait, µs per request. */
  serverCpuUsPerRequest: number;
  mainThreadCpuUsPerRequest: number;
  mainThreadWaitUsPerRequest: number;
  runs: (LoadResult & { serverCpuMs: number; mainThreadCpuMs: number; mainThreadWaitMs: number; loadavg1: number })[];
}
const cells: Cell[] = [];
let answer: number[] | undefined;
let recording: { sent: number; recorded: number } | undefined;
try {
  console.log('[bench] starting the floor and Windsock (recording on, off); publishing the model on each Windsock');
  const servers = await startAll(() => []);
  const body = inferBodies()[0]!;
  answer = await sameAnswers(servers, body);
  const recordedBefore = servers.windsock && (await recordedRequests(servers.windsock));
  const runs = new Map<string, Run[]>();
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of concurrencies) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const v of order) {
        const run = await measure(servers[v]!, body, concurrency, seconds * 1000);
        if (run.errors) console.warn(`[bench] ${labels[v]} c=${concurrency}: ${run.errors} errors, first: ${run.firstError}`);
        console.log(`[bench]   round ${round + 1} c=${concurrency} ${labels[v].padEnd(30)} ${runLine(run)}  load ${run.loadavg1}`);
        const key = `${v}/${concurrency}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
      }
    }
  }
  // Warm-ups are recorded too, so the recorder counts a little more than was measured.
  const sent = [...runs].filter(([k]) => k.startsWith('windsock/')).flatMap(([, r]) => r).reduce((s, r) => s + r.requests, 0);
  if (servers.windsock) recording = { sent, recorded: (await recordedRequests(servers.windsock)) - recordedBefore! };
  for (const concurrency of concurrencies) {
    for (const v of variants) {
      const measured = runs.get(`${v}/${concurrency}`)!;
      cells.push({
        variant: v,
        concurrency,
        pooled: poolRuns(measured),
        serverCpuUsPerRequest: usPerRequest(measured, (r) => r.serverCpuMs),
        mainThreadCpuUsPerRequest: usPerRequest(measured, (r) => r.mainThreadCpuMs),
        mainThreadWaitUsPerRequest: usPerRequest(measured, (r) => r.mainThreadWaitMs),
        runs: measured.map((r) => ({ ...withoutSamples(r), serverCpuMs: r.serverCpuMs, mainThreadCpuMs: r.mainThreadCpuMs, mainThreadWaitMs: r.mainThreadWaitMs, loadavg1: r.loadavg1 })),
      });
    }
  }
} finally {
  await stopAllServers();
  for (const child of floorChildren) child.kill('SIGTERM');
}

const cell = (v: Variant, c: number) => cells.find((x) => x.variant === v && x.concurrency === c)!;
console.log('');
printTable(
  ['variant', 'c', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'CPU µs/req', 'loop CPU µs/req', 'loop wait µs/req', 'req/s per round', 'p50 per round', 'errors'],
  cells.map((x) => [
    labels[x.variant],
    String(x.concurrency),
    fmtRps(x.pooled.rps),
    fmtMs(x.pooled.latencyMs.p50),
    fmtMs(x.pooled.latencyMs.p90),
    fmtMs(x.pooled.latencyMs.p99),
    x.serverCpuUsPerRequest.toFixed(0),
    x.mainThreadCpuUsPerRequest.toFixed(0),
    x.mainThreadWaitUsPerRequest.toFixed(0),
    x.runs.map((r) => fmtRps(r.rps)).join(' / '),
    x.runs.map((r) => fmtMs(r.latencyMs.p50)).join(' / '),
    String(x.pooled.errors),
  ]),
);

interface Ratio {
  variant: Variant;
  concurrency: number;
  /** Windsock p50 / floor p50: within target at <= 1.2. */
  p50: { pooled: number; perRound: number[]; median: number };
  /** Windsock req/s / floor req/s: within target at >= 1/1.2. */
  rps: { pooled: number; perRound: number[]; median: number };
  /** CPU per request as a multiple of the floor's: the process, and the event loop alone. */
  cpu: number;
  loopCpu: number;
  meetsTarget: boolean;
}
const ratios: Ratio[] = [];
for (const concurrency of concurrencies) {
  const floor = cell('floor', concurrency);
  for (const v of variants.slice(1)) {
    const x = cell(v, concurrency);
    const p50PerRound = x.runs.map((r, i) => r.latencyMs.p50 / floor.runs[i]!.latencyMs.p50);
    const rpsPerRound = x.runs.map((r, i) => r.rps / floor.runs[i]!.rps);
    const p50 = { pooled: x.pooled.latencyMs.p50 / floor.pooled.latencyMs.p50, perRound: p50PerRound, median: median(p50PerRound) };
    const rps = { pooled: x.pooled.rps / floor.pooled.rps, perRound: rpsPerRound, median: median(rpsPerRound) };
    ratios.push({ variant: v, concurrency, p50, rps, cpu: x.serverCpuUsPerRequest / floor.serverCpuUsPerRequest, loopCpu: x.mainThreadCpuUsPerRequest / floor.mainThreadCpuUsPerRequest, meetsTarget: p50.pooled <= TARGET && rps.pooled >= 1 / TARGET });
  }
}
const r2 = (x: number) => x.toFixed(2);
console.log('');
printTable(
  ['vs floor', 'c', 'p50 x (pooled)', 'p50 x per round', 'req/s x (pooled)', 'req/s x per round', 'CPU/req x', 'loop CPU/req x', `target (p50 <= ${TARGET}, req/s >= ${r2(1 / TARGET)})`],
  ratios.map((r) => [
    labels[r.variant],
    String(r.concurrency),
    r2(r.p50.pooled),
    r.p50.perRound.map(r2).join(' / '),
    r2(r.rps.pooled),
    r.rps.perRound.map(r2).join(' / '),
    r2(r.cpu),
    r2(r.loopCpu),
    r.variant === 'windsock' ? (r.meetsTarget ? 'met' : 'missed') : '(split)',
  ]),
);
const endLoad = hostLoad();
console.log(`\n[bench] probabilities for the body, all three alike: ${JSON.stringify(answer)}`);
if (recording) console.log(`[bench] recording on: ${recording.recorded} requests recorded for ${recording.sent} measured (plus warm-ups)`);
console.log(`[bench] load average ${startLoad.loadavg.join(' ')} at start, ${endLoad.loadavg.join(' ')} at end`);
console.log(
  `[bench] results: ${writeResults('serving-node-floor', { commit, seconds, rounds, concurrencies, warmupMs: WARMUP_MS, target: TARGET, floorProcess: 'separate', host: { start: startLoad, end: endLoad }, recording, cells, ratios })}`,
);
process.exit(0);

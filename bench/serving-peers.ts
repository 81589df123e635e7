// `tsx bench/serving-peers.ts [--seconds 10] [--concurrency 1,8] [--rounds 2] [--targets workerd,miniflare,node,fastapi,wrangler]
//   [--python PATH]`: the example model served by the edge worker on workerd (the built bundle under
// Miniflare's API, no wrangler proxy; loaded on a direct socket into the worker, and through
// Miniflare's entry worker), by Windsock's own inference app in Node mode (onnxruntime-node, @hono/node-server),
// by a FastAPI + onnxruntime peer with the same KServe v2 route, and optionally through `wrangler dev`;
// the same closed-loop load on each, targets taken in turn round by round (the order rotates), and
// each one's throughput as a ratio of the edge's. Recording is on where Windsock serves (as deployed).
// GET /v2/health/live at c=1 on each gives the floor of its HTTP path, without inference.
// The Python needs fastapi, uvicorn, onnxruntime and numpy: --python, else $SERVING_PYTHON, else python3.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { printTable, writeResults } from './bench-report';
import {
  abortAfter, benchTmp, buildEdgeBundle, hostLoad, inferBodies, inferOnce, inferPath, publishExampleModel, startFastApi, startMiniflare,
  startNodeServing, startWranglerDev, stopAllServers, type ServingTarget,
} from './edge-servers';
import { fmtMs, fmtRps, poolRuns, runLoad, withoutSamples, type LoadResult, type MeasuredLoad } from './serving-load';
import { choiceListArg, intListArg, numberArg, textArg } from './bench-args';

const seconds = numberArg('seconds', 10);
const concurrencies = intListArg('concurrency', [1, 8]);
const rounds = numberArg('rounds', 2);
const allKinds = ['workerd', 'miniflare', 'node', 'fastapi', 'wrangler'] as const;
type Kind = (typeof allKinds)[number];
const kinds: Kind[] = choiceListArg('targets', allKinds, ['workerd', 'miniflare', 'node', 'fastapi']);
const python = textArg('python') ?? process.env.SERVING_PYTHON ?? 'python3';
const WARMUP_MS = 1000;
const MAX_REQUESTS = 200_000;

const labels: Record<Kind, string> = {
  workerd: 'edge: workerd (direct socket)',
  miniflare: 'edge: workerd (Miniflare entry)',
  wrangler: 'edge: wrangler dev',
  node: 'Windsock Node (ort-node)',
  fastapi: 'FastAPI + onnxruntime',
};

if (kinds.includes('fastapi')) {
  const probe = spawnSync(python, ['-c', 'import fastapi, uvicorn, onnxruntime, numpy, sys; print(sys.version.split()[0], fastapi.__version__, uvicorn.__version__, onnxruntime.__version__, numpy.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`[bench] ${python} lacks fastapi/uvicorn/onnxruntime/numpy. Make a venv, e.g.:\n  python3 -m venv /tmp/servingvenv && /tmp/servingvenv/bin/pip install fastapi uvicorn onnxruntime numpy\nthen pass --python /tmp/servingvenv/bin/python`);
    process.exit(2);
  }
  const uvicornExtras = spawnSync(python, ['-c', 'import importlib.util as u; print("uvloop" if u.find_spec("uvloop") else "asyncio", "httptools" if u.find_spec("httptools") else "h11")'], { encoding: 'utf8' });
  console.log(`[bench] FastAPI peer: python ${probe.stdout.trim()} (python fastapi uvicorn onnxruntime numpy); uvicorn on ${uvicornExtras.stdout.trim()}`);
}

let build: ReturnType<typeof buildEdgeBundle> | undefined;

/** A started target and the URL the load goes to (for `workerd`, the direct socket). */
async function start(kind: Kind, tmp: string): Promise<ServingTarget & { loadUrl: string }> {
  const plain = (target: ServingTarget) => ({ ...target, loadUrl: target.url });
  switch (kind) {
    case 'workerd':
    case 'miniflare': {
      build ??= buildEdgeBundle(path.join(tmp, 'worker'));
      const target = await startMiniflare(build, { recording: true });
      return { ...target, loadUrl: kind === 'workerd' ? target.directUrl : target.url };
    }
    case 'wrangler':
      return plain(await startWranglerDev({ recording: true }));
    case 'node':
      return plain(await startNodeServing({ recording: true }));
    case 'fastapi':
      return plain(await startFastApi({ python }));
  }
}

abortAfter((kinds.length * (concurrencies.length * rounds + 1) * (seconds + 2) + 300) * 1000, 'serving-peers');
const bodies = inferBodies();
const tmp = benchTmp('serving-peers');
const startLoad = hostLoad();
console.log(`[bench] serving peers: ${kinds.join(', ')}; c=${concurrencies.join(',')}; ${rounds} rounds of ${seconds} s; load average ${startLoad.loadavg.join(' ')} on ${startLoad.cpus} cores`);

interface Cell {
  kind: Kind;
  load: 'infer' | 'health';
  concurrency: number;
  pooled: LoadResult;
  runs: LoadResult[];
}
const cells: Cell[] = [];
try {
  const targets = new Map<Kind, ServingTarget & { loadUrl: string }>();
  for (const kind of kinds) {
    console.log(`[bench] starting ${labels[kind]}`);
    const target = await start(kind, tmp);
    if (kind !== 'fastapi') await publishExampleModel(target.url);
    await inferOnce(target.loadUrl, bodies[0]!);
    targets.set(kind, target);
  }
  const runs = new Map<string, MeasuredLoad[]>();
  const measure = async (kind: Kind, load: 'infer' | 'health', concurrency: number, round: number) => {
    const target = targets.get(kind)!;
    const result = await runLoad({
      url: load === 'infer' ? `${target.loadUrl}${inferPath}` : `${target.loadUrl}/v2/health/live`,
      method: load === 'infer' ? 'POST' : 'GET',
      bodies: load === 'infer' ? bodies : [],
      concurrency,
      durationMs: seconds * 1000,
      maxRequests: MAX_REQUESTS,
      warmupMs: WARMUP_MS,
    });
    if (result.errors) console.warn(`[bench] ${kind} ${load} c=${concurrency}: ${result.errors} errors, first: ${result.firstError}`);
    console.log(`[bench]   round ${round} ${load.padEnd(6)} c=${concurrency} ${labels[kind].padEnd(31)} ${fmtRps(result.rps).padStart(6)} req/s  p50 ${fmtMs(result.latencyMs.p50)} ms  p99 ${fmtMs(result.latencyMs.p99)} ms`);
    const key = `${kind}/${load}/${concurrency}`;
    runs.set(key, [...(runs.get(key) ?? []), result]);
  };
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of concurrencies) {
      // Rotate the order each round so that no target always runs first (or right after another).
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
      for (const kind of order) await measure(kind, 'infer', concurrency, round + 1);
    }
  }
  for (const kind of kinds) await measure(kind, 'health', 1, 1);
  for (const [key, measured] of runs) {
    const [kind, load, concurrency] = key.split('/') as [Kind, 'infer' | 'health', string];
    cells.push({ kind, load, concurrency: Number(concurrency), pooled: poolRuns(measured), runs: measured.map(withoutSamples) });
  }
} finally {
  await stopAllServers();
}

const reference = kinds[0]!;
const find = (kind: Kind, load: string, concurrency: number) => cells.find((c) => c.kind === kind && c.load === load && c.concurrency === concurrency);
console.log('');
printTable(
  ['target', 'load', 'c', 'req/s', `x ${reference}`, 'p50 ms', 'p90 ms', 'p99 ms', 'req/s per round', 'errors'],
  cells
    .sort((a, b) => (a.load === b.load ? a.concurrency - b.concurrency || kinds.indexOf(a.kind) - kinds.indexOf(b.kind) : a.load === 'infer' ? -1 : 1))
    .map((cell) => {
      const ref = find(reference, cell.load, cell.concurrency)!.pooled.rps;
      return [
        labels[cell.kind],
        cell.load === 'infer' ? 'infer' : 'GET health',
        String(cell.concurrency),
        fmtRps(cell.pooled.rps),
        (cell.pooled.rps / ref).toFixed(2),
        fmtMs(cell.pooled.latencyMs.p50),
        fmtMs(cell.pooled.latencyMs.p90),
        fmtMs(cell.pooled.latencyMs.p99),
        cell.runs.map((r) => fmtRps(r.rps)).join(' / '),
        String(cell.pooled.errors),
      ];
    }),
);
const endLoad = hostLoad();
console.log(`[bench] load average ${startLoad.loadavg.join(' ')} at start, ${endLoad.loadavg.join(' ')} at end`);
console.log(`[bench] results: ${writeResults('serving-peers', { seconds, rounds, concurrencies, warmupMs: WARMUP_MS, python, host: { start: startLoad, end: endLoad }, cells })}`);
process.exit(0);

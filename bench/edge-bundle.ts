// `tsx bench/edge-bundle.ts [--cold 3] [--targets workerd,wrangler]`: what the edge uploads and how
// long a fresh one takes to answer. The bundle from `wrangler deploy --dry-run` (as is, and with
// --minify), raw and gzip, against Cloudflare's Worker size limits (3 MiB on the free plan, 10 MiB
// on paid, both after compression), and which packages fill worker.js (esbuild's metafile). Then
// cold starts on D1/R2 state that already holds the published model: a fresh workerd (Miniflare's
// API, the built bundle) or a fresh `wrangler dev`, timed from start to /v2/health/live answering,
// to the first successful infer, and that first infer's own latency (it loads the session: R2 read,
// onnxruntime-web's wasm start, session create) against the second's.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { printTable, writeResults } from './bench-report';
import {
  abortAfter, benchTmp, buildEdgeBundle, hostLoad, inferBodies, inferOnce, publishExampleModel, startMiniflare, startWranglerDev,
  stopAllServers, type EdgeBuild, type EdgeTarget,
} from './edge-servers';
import { fmtMs } from './serving-load';
import { choiceListArg, intArg } from './bench-args';

const coldRuns = intArg('cold', 3);
const allKinds = ['workerd', 'wrangler'] as const;
type Kind = (typeof allKinds)[number];
const kinds: Kind[] = choiceListArg('targets', allKinds, ['workerd', 'wrangler']);
const MiB = 1024 * 1024;
const FREE_LIMIT = 3 * MiB;
const PAID_LIMIT = 10 * MiB;

abortAfter((coldRuns * kinds.length * 150 + 300) * 1000, 'edge-bundle');
const start = hostLoad();
const tmp = benchTmp('edge-bundle');

// --- Size -----------------------------------------------------------------------------------------
interface FileSize {
  file: string;
  raw: number;
  gzip: number;
}
interface BundleSize {
  variant: string;
  files: FileSize[];
  raw: number;
  gzip: number;
  /** wrangler's own "Total Upload: X KiB / gzip: Y KiB" line. */
  wranglerSays?: string;
  /** worker.js bytes by package (or by project folder), largest first. */
  byPackage: { name: string; bytes: number }[];
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at >= 0) {
    const rest = input.slice(at + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return `(windsock) ${input.split('/')[0]}`;
}

function measureBundle(variant: string, build: EdgeBuild & { log: string }): BundleSize {
  const files = readdirSync(build.dir)
    .filter((f) => f.endsWith('.js') || f.endsWith('.wasm') || f.endsWith('.mjs'))
    .map((file) => {
      const bytes = readFileSync(path.join(build.dir, file));
      return { file: file.replace(/^[0-9a-f]{40}-/, ''), raw: statSync(path.join(build.dir, file)).size, gzip: gzipSync(bytes, { level: 9 }).byteLength };
    });
  const meta = JSON.parse(readFileSync(path.join(build.dir, '..', `${path.basename(build.dir)}-meta.json`), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const worker = Object.entries(meta.outputs).find(([out]) => out.endsWith('worker.js'))?.[1];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(worker?.inputs ?? {})) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  return {
    variant,
    files,
    raw: files.reduce((s, f) => s + f.raw, 0),
    gzip: files.reduce((s, f) => s + f.gzip, 0),
    wranglerSays: /Total Upload: ([^\n]+)/.exec(build.log)?.[1]?.trim(),
    byPackage: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

console.log(`[bench] building the edge bundle (wrangler deploy --dry-run); load average ${start.loadavg.join(' ')} on ${start.cpus} cores`);
const build = buildEdgeBundle(path.join(tmp, 'worker'));
const sizes = [measureBundle('as built', build), measureBundle('--minify', buildEdgeBundle(path.join(tmp, 'worker-min'), ['--minify']))];

const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const mibs = (b: number) => `${(b / MiB).toFixed(2)} MiB`;
console.log('');
printTable(
  ['bundle', 'file', 'raw', 'gzip -9'],
  sizes.flatMap((s) => [
    ...s.files.map((f) => [s.variant, f.file, kib(f.raw), kib(f.gzip)]),
    [s.variant, 'total', mibs(s.raw), mibs(s.gzip)],
  ]),
);
console.log('');
printTable(
  ['bundle', 'gzip total', 'free plan (3 MiB)', 'paid plan (10 MiB)', 'wrangler says'],
  sizes.map((s) => [s.variant, mibs(s.gzip), s.gzip <= FREE_LIMIT ? 'fits' : `over by ${mibs(s.gzip - FREE_LIMIT)}`, s.gzip <= PAID_LIMIT ? `fits (${((s.gzip / PAID_LIMIT) * 100).toFixed(0)}%)` : 'over', s.wranglerSays ?? '-']),
);
console.log('');
printTable(
  ['worker.js by package (as built)', 'bytes', 'share'],
  sizes[0]!.byPackage.slice(0, 10).map((p) => [p.name, kib(p.bytes), `${((p.bytes / sizes[0]!.files.find((f) => f.file === 'worker.js')!.raw) * 100).toFixed(0)}%`]),
);

// --- Cold start -----------------------------------------------------------------------------------
interface ColdStart {
  kind: Kind;
  run: number;
  /** Start to /v2/health/live answering 200, ms. */
  toHealthMs: number;
  /** Start to the first infer answered 200, ms. */
  toFirstInferMs: number;
  firstInferMs: number;
  secondInferMs: number;
}

const bodies = inferBodies();
const colds: ColdStart[] = [];
try {
  for (const kind of kinds) {
    // State with the model published, made once; each cold start then opens it afresh.
    const persistDir = path.join(tmp, `${kind}-state`);
    const startOne = (): Promise<EdgeTarget> => (kind === 'workerd' ? startMiniflare(build, { recording: true, persistDir }) : startWranglerDev({ recording: true, persistDir }));
    console.log(`\n[bench] ${kind}: publishing into ${persistDir}`);
    const seed = await startOne();
    await publishExampleModel(seed.url);
    await seed.stop();
    for (let run = 1; run <= coldRuns; run++) {
      // startMs runs from the server's start (spawn, or new Miniflare); wrangler's migration step before it is left out.
      const target = await startOne();
      const healthyAt = performance.now();
      const firstInferMs = await inferOnce(target.url, bodies[0]!);
      const toFirstInferMs = target.startMs + (performance.now() - healthyAt);
      const secondInferMs = await inferOnce(target.url, bodies[1]!);
      colds.push({ kind, run, toHealthMs: target.startMs, toFirstInferMs, firstInferMs, secondInferMs });
      console.log(`[bench]   ${kind} cold start ${run}: health ${fmtMs(target.startMs)} ms, first infer at ${fmtMs(toFirstInferMs)} ms (itself ${fmtMs(firstInferMs)} ms), second infer ${fmtMs(secondInferMs)} ms`);
      await target.stop();
    }
  }
} finally {
  await stopAllServers();
}

// The floor under the workerd figure: Miniflare and workerd starting a worker with nothing in it.
const emptyStarts: number[] = [];
if (kinds.includes('workerd')) {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare');
  for (let run = 0; run < coldRuns; run++) {
    const started = performance.now();
    const mf = new Miniflare(convertV4MiniflareOptions({ host: '127.0.0.1', port: 0, modules: true, script: 'export default { fetch: () => new Response("ok") }', compatibilityDate: build.compatibilityDate }));
    const res = await fetch(await mf.ready);
    await res.text();
    emptyStarts.push(performance.now() - started);
    await mf.dispose();
  }
}

const labels: Record<Kind, string> = { workerd: 'workerd (Miniflare, built bundle)', wrangler: 'wrangler dev' };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
console.log('');
printTable(
  ['cold start (median of runs)', 'runs', 'to health', 'to first infer', 'first infer', 'second infer'],
  [
    ...kinds.map((kind) => {
      const runs = colds.filter((c) => c.kind === kind);
      return [labels[kind], String(runs.length), `${fmtMs(median(runs.map((r) => r.toHealthMs)))} ms`, `${fmtMs(median(runs.map((r) => r.toFirstInferMs)))} ms`, `${fmtMs(median(runs.map((r) => r.firstInferMs)))} ms`, `${fmtMs(median(runs.map((r) => r.secondInferMs)))} ms`];
    }),
    ...(emptyStarts.length ? [['workerd (Miniflare, empty worker)', String(emptyStarts.length), `${fmtMs(median(emptyStarts))} ms`, '-', '-', '-']] : []),
  ],
);
const end = hostLoad();
console.log(`[bench] load average ${start.loadavg.join(' ')} at start, ${end.loadavg.join(' ')} at end`);
console.log(`[bench] results: ${writeResults('edge-bundle', { limits: { free: FREE_LIMIT, paid: PAID_LIMIT }, host: { start, end }, sizes, coldStarts: colds, emptyWorkerStartsMs: emptyStarts })}`);
process.exit(0);

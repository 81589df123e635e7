// The serving targets the edge benchmarks start and load: the edge worker under `wrangler dev`, the
// same worker built by `wrangler deploy --dry-run` and served straight from workerd by Miniflare
// (no wrangler proxy in front), and Windsock's Node serving app; plus publishing the example model
// through the admin routes and the infer bodies made from its holdout rows.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const wrangler = path.join(projectRoot, 'node_modules', '.bin', 'wrangler');
const quietWrangler = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

export const MODEL = 'breast-cancer';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const TOKENS = `bench:admin:${ADMIN_TOKEN}`;

interface ServingFixture {
  sha256: string;
  signature: { inputs: { name: string; datatype: string; shape: number[] }[] };
  referenceProfile: unknown;
  holdoutRows: number[][];
}

export const fixture: ServingFixture = JSON.parse(readFileSync(path.join(projectRoot, 'test/fixtures/breast-cancer-serving.json'), 'utf8'));
export const modelBytes = readFileSync(path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx'));

/** One KServe v2 infer body per holdout row, batch 1. */
export function inferBodies(): string[] {
  const input = fixture.signature.inputs[0]!;
  return fixture.holdoutRows.map((row) => JSON.stringify({ inputs: [{ name: input.name, shape: [1, row.length], datatype: input.datatype, data: row }] }));
}

export const inferPath = `/v2/models/${MODEL}/infer`;

export interface ServingTarget {
  name: string;
  url: string;
  /** Stops the server and waits for it to go. */
  stop(): Promise<void>;
}

export function benchTmp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `windsock-bench-${prefix}-`));
}

import { freePort } from '../scripts/local-processes';

export { freePort };

/** Polls until the URL answers 2xx; returns the ms it took from `since`. */
export async function waitForOk(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode} before answering`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

const children = new Set<ChildProcess>();

/** Spawns a server in its own process group, so that stopping it also stops what it started (workerd). */
function spawnServer(file: string, args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(file, args, { cwd: projectRoot, env: { ...process.env, ...quietWrangler, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const signal = (target: number, sig: NodeJS.Signals) => {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  };
  // The server first, so that it stops (and reaps) what it started; then the group, for stragglers.
  signal(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => signal(-child.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  signal(-child.pid!, 'SIGKILL');
}

/** Waits for a spawned server's health route; a server that does not come up is stopped. */
async function healthyServer(child: ChildProcess, url: string, timeoutMs: number): Promise<() => Promise<void>> {
  try {
    await waitForOk(`${url}/v2/health/live`, timeoutMs, child);
  } catch (err) {
    await stopServer(child);
    throw err;
  }
  return () => stopServer(child);
}

/** Stops every server this process started; for exits and interrupts. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...children].map(stopServer));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n[bench] ${sig}: stopping the servers`);
    void stopAllServers().finally(() => process.exit(130));
  });
}

/** Fails the benchmark (and stops its servers) if it runs past a deadline. */
export function abortAfter(ms: number, what: string): void {
  setTimeout(() => {
    console.error(`[bench] ${what} ran past ${Math.round(ms / 1000)} s; stopping`);
    void stopAllServers().finally(() => process.exit(1));
  }, ms).unref();
}

function runOrThrow(file: string, args: string[]): string {
  const result = spawnSync(file, args, { cwd: projectRoot, env: { ...process.env, ...quietWrangler }, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${path.basename(file)} ${args.slice(0, 4).join(' ')} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

// ---------------------------------------------------------------------------------------------
// wrangler dev

export interface EdgeOptions {
  /** WINDSOCK_RECORDING: off turns the recording of latency and drift sketches off. */
  recording: boolean;
  /** D1 and R2 state; a fresh temp dir when absent. Reusing one keeps the published model. */
  persistDir?: string;
  port?: number;
  /** Where the server's output goes. */
  logFile?: string;
  /** More variables for the worker (e.g. WINDSOCK_REMEMBER_PREDICTIONS). */
  vars?: Record<string, string>;
}

export interface EdgeTarget extends ServingTarget {
  persistDir: string;
  /** Server start (spawn, or `new Miniflare`) to the first 200 of /v2/health/live, ms. */
  startMs: number;
}

function edgeVars(recording: boolean, vars: Record<string, string> = {}): Record<string, string> {
  return { WINDSOCK_TOKENS: TOKENS, WINDSOCK_RECORDING: recording ? 'on' : 'off', ...vars };
}

export async function startWranglerDev(options: EdgeOptions): Promise<EdgeTarget> {
  const persistDir = options.persistDir ?? benchTmp('wrangler');
  mkdirSync(persistDir, { recursive: true });
  runOrThrow(wrangler, ['d1', 'migrations', 'apply', 'windsock-edge', '--local', '--persist-to', persistDir]);
  const envFile = path.join(persistDir, 'edge.vars');
  writeFileSync(envFile, Object.entries(edgeVars(options.recording, options.vars)).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const started = performance.now();
  const child = spawnServer(
    wrangler,
    [
      'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', persistDir,
      '--env-file', envFile, '--show-interactive-dev-session=false', '--log-level', 'warn',
    ],
    {},
    options.logFile ?? path.join(persistDir, 'wrangler.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = await healthyServer(child, url, 120_000);
  return { name: `wrangler dev (recording ${options.recording ? 'on' : 'off'})`, url, persistDir, startMs: performance.now() - started, stop };
}

// ---------------------------------------------------------------------------------------------
// The built worker on workerd through Miniflare's API

export interface EdgeBuild {
  dir: string;
  script: string;
  compatibilityDate: string;
}

/** `wrangler deploy --dry-run --outdir`: the bundle that would be uploaded, and esbuild's metafile. */
export function buildEdgeBundle(outdir: string, extra: string[] = []): EdgeBuild & { log: string } {
  rmSync(outdir, { recursive: true, force: true });
  const log = runOrThrow(wrangler, ['deploy', '--dry-run', '--outdir', outdir, '--metafile', path.join(outdir, '..', `${path.basename(outdir)}-meta.json`), ...extra]);
  const toml = readFileSync(path.join(projectRoot, 'wrangler.toml'), 'utf8');
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!compatibilityDate) throw new Error('wrangler.toml has no compatibility_date');
  return { dir: outdir, script: path.join(outdir, 'worker.js'), compatibilityDate, log };
}

/** The edge's D1 migrations, statement by statement, as wrangler applies them. */
export function migrationStatements(): string[] {
  const dir = path.join(projectRoot, 'drizzle/edge-migrations');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('--> statement-breakpoint'))
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Miniflare's options for the built worker: its modules (Miniflare 5 has no module rules, so they are
 * named one by one, the wasm as wrangler.toml's rule says), D1 and R2, the bindings, and a socket
 * straight into the user worker, past Miniflare's entry worker (which adds cf, error pages).
 */
export function builtWorkerOptions(build: EdgeBuild, o: { port: number; persistDir: string; bindings: Record<string, string>; inspectorPort?: number }) {
  return {
    host: '127.0.0.1',
    port: o.port,
    ...(o.inspectorPort !== undefined ? { inspectorPort: o.inspectorPort } : {}),
    resourcePersistencePath: o.persistDir,
    modulesRoot: build.dir,
    modules: [
      { type: 'ESModule' as const, path: build.script },
      ...readdirSync(build.dir).filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm' as const, path: path.join(build.dir, f) })),
    ],
    compatibilityDate: build.compatibilityDate,
    d1Databases: { EDGE_DB: 'windsock-edge' },
    r2Buckets: { MODELS: 'windsock-models' },
    bindings: { ...o.bindings, TEMPORAL_HTTP_URL: 'http://127.0.0.1:1', TEMPORAL_NAMESPACE: 'default' },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  };
}

export async function startMiniflare(build: EdgeBuild, options: EdgeOptions & { migrate?: boolean }): Promise<EdgeTarget & { directUrl: string }> {
  // miniflare comes with wrangler (its pinned version); 5.x takes its v4-style options through convertV4MiniflareOptions.
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare');
  const persistDir = options.persistDir ?? benchTmp('miniflare');
  const port = options.port ?? (await freePort());
  const started = performance.now();
  const mf = new Miniflare(
    convertV4MiniflareOptions(builtWorkerOptions(build, { port, persistDir, bindings: edgeVars(options.recording, options.vars) })),
  );
  const stop = () => mf.dispose();
  try {
    const ready = await mf.ready;
    const url = ready.origin;
    if (options.migrate !== false) {
      const db = await mf.getD1Database('EDGE_DB');
      const tables = await db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'deployments'`).first<{ n: number }>();
      if (!tables?.n) for (const sql of migrationStatements()) await db.prepare(sql).run();
    }
    await waitForOk(`${url}/v2/health/live`, 60_000);
    const directUrl = (await mf.unsafeGetDirectURL()).origin;
    return { name: `workerd via Miniflare (recording ${options.recording ? 'on' : 'off'})`, url, directUrl, persistDir, startMs: performance.now() - started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Windsock's Node serving app as `npm run serve` starts it (api/node-serving/main.ts: onnxruntime-node,
// a libSQL file, the blob store), in a child process so that it does not share the load's event loop

export async function startNodeServing(options: { recording: boolean; port?: number; logFile?: string; vars?: Record<string, string> }): Promise<ServingTarget> {
  const home = benchTmp('node-serving');
  const port = options.port ?? (await freePort());
  const child = spawnServer(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'api/node-serving/main.ts')],
    {
      WINDSOCK_HOME: home,
      WINDSOCK_SERVE_HOST: '127.0.0.1',
      WINDSOCK_SERVE_PORT: String(port),
      WINDSOCK_TOKENS: TOKENS,
      WINDSOCK_RECORDING: options.recording ? 'on' : 'off',
      // Pipelines are mounted but never called here; nothing listens on this port.
      TEMPORAL_HTTP_URL: 'http://127.0.0.1:1',
      ...options.vars,
    },
    options.logFile ?? path.join(home, 'node-serving.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = await healthyServer(child, url, 60_000);
  return { name: `Node app (onnxruntime-node, recording ${options.recording ? 'on' : 'off'})`, url, stop };
}

// ---------------------------------------------------------------------------------------------
// FastAPI + onnxruntime (Python), the peer

export async function startFastApi(options: { python: string; port?: number; logFile?: string }): Promise<ServingTarget> {
  const port = options.port ?? (await freePort());
  const child = spawnServer(
    options.python,
    [path.join(projectRoot, 'bench/serving-fastapi-peer.py')],
    { SERVING_PORT: String(port), SERVING_MODEL: path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx'), SERVING_MODEL_NAME: MODEL },
    options.logFile ?? path.join(benchTmp('fastapi'), 'fastapi.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = await healthyServer(child, url, 60_000);
  return { name: 'FastAPI + onnxruntime (Python)', url, stop };
}

// ---------------------------------------------------------------------------------------------
// Publishing

async function admin(url: string, method: string, route: string, body: string | Uint8Array, headers: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${url}${route}`, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Publishes the example model as v1 with all traffic, as a rollout would; idempotent. */
export async function publishExampleModel(url: string): Promise<void> {
  await admin(url, 'PUT', `/admin/models/${MODEL}/versions/1/artifact`, new Uint8Array(modelBytes), { 'content-type': 'application/octet-stream', 'x-windsock-sha256': fixture.sha256 });
  await admin(url, 'PUT', `/admin/models/${MODEL}/versions/1`, JSON.stringify({ artifactSha256: fixture.sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile }), { 'content-type': 'application/json' });
  await admin(url, 'PUT', `/admin/models/${MODEL}/traffic`, JSON.stringify({ weights: { '1': 100 } }), { 'content-type': 'application/json' });
}

/** One infer request, timed from the client; throws unless 200. */
export async function inferOnce(url: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}${inferPath}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  const took = performance.now() - started;
  if (res.status !== 200) throw new Error(`infer answered ${res.status}: ${text.slice(0, 300)}`);
  return took;
}

/** The load average and core count, printed with each benchmark: the host is shared. */
export function hostLoad(): { loadavg: number[]; cpus: number } {
  return { loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100), cpus: os.cpus().length };
}

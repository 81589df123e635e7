// A throwaway Windsock stack for the benchmarks, shaped like `npm start` but isolated: a headless
// Temporal dev server, the worker and the control API as their own processes (so their RSS can be
// read), free ports, and a WINDSOCK_HOME under /tmp. Every child is stopped on exit and on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { formatPrincipals, type Principal } from '../core/auth/principals';
import { openRegistry } from '../registry/open-registry';
import { RegistryStore } from '../registry/registry-store';
import { seedExampleModels } from '../registry/seed-example-models';
import { startTemporalDevServer, type DevServer } from '../scripts/temporal-dev-server';
import { projectRoot } from '../config/project-root';
import { bundleWorkflows } from '../worker/create-worker';

export type TemporalStore = 'memory' | 'sqlite';

export interface BenchStackOptions {
  name: string;
  /** In-memory dev server (as the tests use) or a SQLite file under WINDSOCK_HOME (as `npm start` does). */
  temporalStore: TemporalStore;
  /**
   * Also start the Node serving app (api/node-serving/main.ts) as a process and point the worker and
   * the control API at it with WINDSOCK_EDGE_URL, so that approved versions roll out to it. Off by
   * default: without an edge, approval moves the champion alias at once, as the control benches need.
   */
  serving?: boolean;
  /** More environment for the worker and the API (a compute profile, say). */
  env?: NodeJS.ProcessEnv;
}

export interface ApiResponse {
  status: number;
  body: any;
  ms: number;
}

export interface Rss {
  /** Resident set now and its high-water mark (VmHWM), in bytes. */
  rss: number;
  peak: number;
}

export interface BenchStack {
  home: string;
  apiUrl: string;
  temporalAddress: string;
  temporalStore: TemporalStore;
  taskQueue: string;
  python: string;
  pids: { temporal: number; worker: number; api: number; serving?: number };
  /** The serving app's base URL (its /v2 inference and /admin routes); only with `serving: true`. */
  servingUrl?: string;
  /** A Temporal client of the bench's own, for reading workflow histories. */
  client: Client;
  tokens: { submitter: string; approver: string };
  request(method: string, urlPath: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse>;
  rss(): { temporal?: Rss; worker?: Rss; api?: Rss };
  cpuSeconds(): { temporal?: number; worker?: number; api?: number };
  /** Throws when the worker, the API or the dev server has died, with the tail of its log. */
  assertAlive(): void;
  /** Kills the worker with the signal (SIGKILL: a crash; SIGTERM: a graceful stop) and starts a new one. */
  restartWorker(signal: NodeJS.Signals): Promise<void>;
  stop(options?: { keepHome?: boolean }): Promise<void>;
}

export const python = process.env.WINDSOCK_PYTHON ?? 'python3';

// ---------------------------------------------------------------------------------------------
// Cleanup: every process a bench starts is tracked here, stopped in order on a normal end or Ctrl-C,
// and SIGKILLed on any other exit so that no worker or dev server outlives the bench. Throwaway
// homes are removed on every exit unless a failure asked to keep them for their logs.

const tracked = new Set<ChildProcess>();
const stoppers: Array<() => Promise<void>> = [];
const throwawayHomes = new Set<string>();
let stopping: Promise<void> | undefined;
let interruptedAt: number | undefined;

export function track(child: ChildProcess): ChildProcess {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** True once Ctrl-C (SIGINT) or SIGTERM arrived: children exiting then is expected, not a failure. */
export function interrupted(): boolean {
  return interruptedAt !== undefined;
}

export function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch((err) => console.error(`[bench] stop: ${(err as Error).message}`));
    for (const child of tracked) child.kill('SIGKILL');
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // One Ctrl-C can arrive several times (the terminal signals the whole process group, and npm
    // and tsx relay it), so only a second one well after the first means "kill it now".
    if (interruptedAt !== undefined) {
      if (Date.now() - interruptedAt < 2000) return;
      process.exit(130);
    }
    interruptedAt = Date.now();
    console.error(`\n[bench] ${signal}: stopping the stack (Ctrl-C again to kill it at once)`);
    void stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const child of tracked) child.kill('SIGKILL');
  for (const home of throwawayHomes) rmSync(home, { recursive: true, force: true, maxRetries: 3 });
});

/** Stops the stack and exits with a message if the bench runs past its time budget. */
export function abortAfter(ms: number, what: string): NodeJS.Timeout {
  const timer = setTimeout(() => {
    console.error(`[bench] ${what} did not finish within ${Math.round(ms / 60_000)} min; aborting and stopping the stack`);
    void stopAll().finally(() => process.exit(1));
  }, ms);
  timer.unref();
  return timer;
}

// ---------------------------------------------------------------------------------------------

import { freePort } from '../scripts/local-processes';

export { freePort };

export function readRss(pid: number): Rss | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; Linux counts it in 1/100 s ticks. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The parent's environment without any Windsock or Temporal settings that could point elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WINDSOCK_') && !k.startsWith('TEMPORAL_')));
}

function tail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

async function waitFor(what: string, timeoutMs: number, ready: () => boolean | Promise<boolean>, alive: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    alive();
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const home = mkdtempSync(path.join(os.tmpdir(), `windsock-bench-${options.name}-`));
  const taskQueue = `bench-${options.name}`;
  throwawayHomes.add(home);
  const keepHome = () => throwawayHomes.delete(home);
  stoppers.push(async () => {
    if (throwawayHomes.has(home)) rmSync(home, { recursive: true, force: true, maxRetries: 3 });
    else console.error(`[bench] kept ${home} (logs: worker.log, api.log${options.serving ? ', serving.log' : ''})`);
    throwawayHomes.delete(home);
  });

  // A prebuilt bundle, as production runs it: bundling inside the worker would put webpack's
  // memory into the worker RSS the parked bench reports.
  const bundlePath = path.join(home, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await bundleWorkflows()).code);

  const temporal: DevServer = await startTemporalDevServer({
    grpcPort: await freePort(),
    httpPort: await freePort(),
    headless: true,
    dbFile: options.temporalStore === 'sqlite' ? path.join(home, 'temporal.db') : undefined,
  });
  track(temporal.process);
  stoppers.push(() => temporal.stop());

  const { db, client: registryClient } = await openRegistry(`file:${path.join(home, 'registry.db')}`);
  await seedExampleModels(new RegistryStore(db));
  registryClient.close();

  // Submitter and approver are different principals: the workflow refuses self-approval (four-eyes).
  // The submitter is also admin, because the benches override job.command with the instant job.
  const principals: Principal[] = [
    { name: 'bench-submitter', roles: ['submitter', 'admin'], token: randomBytes(18).toString('base64url') },
    { name: 'bench-approver', roles: ['approver'], token: randomBytes(18).toString('base64url') },
  ];
  const apiPort = await freePort();
  const servingPort = options.serving ? await freePort() : undefined;
  const servingUrl = servingPort === undefined ? undefined : `http://127.0.0.1:${servingPort}`;
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    TEMPORAL_ADDRESS: temporal.address,
    WINDSOCK_HOME: home,
    WINDSOCK_TASK_QUEUE: taskQueue,
    WINDSOCK_PYTHON: python,
    WINDSOCK_WORKFLOW_BUNDLE: bundlePath,
    WINDSOCK_CODE_VERSION: 'bench',
    WINDSOCK_API_HOST: '127.0.0.1',
    WINDSOCK_API_PORT: String(apiPort),
    WINDSOCK_TOKENS: formatPrincipals(principals),
    // The serving app reads the same WINDSOCK_TOKENS, so the first admin principal (the submitter),
    // whose token the worker and the API send to WINDSOCK_EDGE_URL, is admin there too.
    ...(servingUrl
      ? {
          WINDSOCK_EDGE_URL: servingUrl,
          WINDSOCK_SERVE_HOST: '127.0.0.1',
          WINDSOCK_SERVE_PORT: String(servingPort),
          TEMPORAL_HTTP_URL: temporal.httpAddress,
        }
      : {}),
    ...options.env,
  };

  const startChild = (name: string, entry: string) => {
    const logFile = path.join(home, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = track(spawn(process.execPath, ['--import', 'tsx', entry], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    stoppers.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => resolve(clearTimeout(timer)));
        });
      }
      log.end();
    });
    return { child, logFile };
  };
  let worker = startChild('worker', 'worker/main.ts');
  const api = startChild('api', 'api/control/main.ts');
  const serving = servingUrl ? startChild('serving', 'api/node-serving/main.ts') : undefined;
  const children = () => [['worker', worker], ['api', api], ...(serving ? [['serving', serving] as const] : [])] as const;

  const assertAlive = () => {
    if (interrupted()) throw new Error('interrupted');
    for (const [name, p] of children()) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        keepHome();
        throw new Error(`the ${name} exited (${p.child.exitCode ?? p.child.signalCode}); its log ends:\n${tail(p.logFile)}`);
      }
    }
    if (temporal.process.exitCode !== null || temporal.process.signalCode !== null) throw new Error('the Temporal dev server exited');
  };

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  try {
    await waitFor('the worker', 120_000, () => tail(worker.logFile, 50).includes('[worker] polling task queue'), assertAlive);
    await waitFor('the control API', 60_000, async () => (await fetch(`${apiUrl}/healthz`).catch(() => undefined))?.ok === true, assertAlive);
    if (servingUrl) {
      await waitFor('the serving app', 60_000, async () => (await fetch(`${servingUrl}/v2/health/live`).catch(() => undefined))?.ok === true, assertAlive);
    }
  } catch (err) {
    if (!interrupted()) keepHome();
    throw err;
  }

  const connection = await Connection.connect({ address: temporal.address });
  // Registered last, so it is closed first, while the server still answers.
  stoppers.push(() => connection.close());

  return {
    home,
    apiUrl,
    temporalAddress: temporal.address,
    temporalStore: options.temporalStore,
    taskQueue,
    python,
    pids: { temporal: temporal.process.pid!, worker: worker.child.pid!, api: api.child.pid!, ...(serving ? { serving: serving.child.pid! } : {}) },
    servingUrl,
    client: new Client({ connection, namespace: 'default' }),
    tokens: { submitter: principals[0]!.token, approver: principals[1]!.token },
    async request(method, urlPath, { token, body, headers = {} } = {}) {
      const started = performance.now();
      const res = await fetch(`${apiUrl}${urlPath}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
    },
    rss: () => ({ temporal: readRss(temporal.process.pid!), worker: readRss(worker.child.pid!), api: readRss(api.child.pid!) }),
    cpuSeconds: () => ({ temporal: readCpuSeconds(temporal.process.pid!), worker: readCpuSeconds(worker.child.pid!), api: readCpuSeconds(api.child.pid!) }),
    assertAlive,
    async restartWorker(signal) {
      const old = worker.child;
      const exited = new Promise((resolve) => old.once('exit', resolve));
      old.kill(signal);
      await exited;
      worker = startChild('worker', 'worker/main.ts');
      const logFile = worker.logFile;
      // The new worker appends to the same log: wait for a second "polling" line.
      await waitFor('the restarted worker', 120_000, () => tail(logFile, 200).split('[worker] polling task queue').length > 2, assertAlive);
    },
    async stop(options = {}) {
      if (options.keepHome && !interrupted()) keepHome();
      await stopAll();
    },
  };
}

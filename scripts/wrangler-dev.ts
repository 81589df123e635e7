// The edge under `wrangler dev`: local D1 (migrations applied first) and R2 persisted in a folder,
// secrets and settings from an env file (not the command line, which ps shows).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChildProcess } from './local-processes';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const wrangler = path.join(projectRoot, 'node_modules', '.bin', 'wrangler');
export const quietWranglerEnv = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

export interface WranglerDevOptions {
  port: number;
  /** Folder for local D1 and R2 state. */
  persistTo: string;
  /** Vars and secrets for the worker (WINDSOCK_TOKENS, TEMPORAL_HTTP_URL, ...), written to an env file. */
  vars: Record<string, string>;
  varsFile: string;
  /** Where wrangler's output goes; 'inherit' shows it. */
  stdio?: 'inherit' | 'ignore';
}

export interface WranglerDev {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(wrangler, args, { cwd: projectRoot, env: { ...process.env, ...quietWranglerEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args.slice(0, 3).join(' ')} exited with ${code}`))));
  });
}

export async function applyEdgeMigrations(persistTo: string): Promise<void> {
  await run(['d1', 'migrations', 'apply', 'windsock-edge', '--local', '--persist-to', persistTo]);
}

/** Starts wrangler dev (after the migrations); resolves once /v2/health/live answers. */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  await applyEdgeMigrations(options.persistTo);
  writeFileSync(options.varsFile, Object.entries(options.vars).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  const child = spawn(
    wrangler,
    ['dev', '--ip', '127.0.0.1', '--port', String(options.port), '--persist-to', options.persistTo,
      '--show-interactive-dev-session=false', '--test-scheduled', '--env-file', options.varsFile],
    { cwd: projectRoot, env: { ...process.env, ...quietWranglerEnv }, stdio: ['ignore', options.stdio ?? 'inherit', options.stdio ?? 'inherit'] },
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/v2/health/live`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${url} within 180 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    process: child,
    stop: () => stopChildProcess(child),
  };
}

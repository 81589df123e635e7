// A real MLflow tracking server for tests: `mlflow server` from the venv scripts/provision.sh makes with
// WINDSOCK_TEST_TOOLS=1 (test/python/requirements-mlflow.txt), on a free loopback port, with a SQLite
// backend store and proxied artifacts (--serve-artifacts) in a temporary directory.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MlflowClient } from '../activities/mlflow-tracking';
import { freePort } from '../scripts/local-processes';

export interface MlflowTestServer {
  /** `http://127.0.0.1:<port>`: WINDSOCK_MLFLOW_TRACKING_URI. */
  uri: string;
  client: MlflowClient;
  /** Where the server keeps run artifacts (the --artifacts-destination). */
  artifactsDir: string;
  /** Runs Python code in MLflow's venv with MLFLOW_TRACKING_URI pointing at this server; its stdout. */
  python(code: string): Promise<string>;
  stop(): Promise<void>;
}

export function mlflowPath(): string {
  const candidate = process.env.WINDSOCK_MLFLOW ?? path.join(os.homedir(), '.cache/windsock/venv-mlflow/bin/mlflow');
  if (!existsSync(candidate)) {
    throw new Error(`no mlflow at ${candidate}: run the tests through scripts/run-with-toolchain.sh with WINDSOCK_TEST_TOOLS=1 (it makes MLflow's venv), or set WINDSOCK_MLFLOW`);
  }
  return candidate;
}

/** MLflow's start imports a great deal: tens of seconds on a busy two-core machine. */
const START_DEADLINE_MS = 150_000;

export async function startMlflowServer(): Promise<MlflowTestServer> {
  const mlflow = mlflowPath();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-mlflow-'));
  const artifactsDir = path.join(dir, 'artifacts');
  const port = await freePort();
  const uri = `http://127.0.0.1:${port}`;
  const child = spawn(
    mlflow,
    [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--serve-artifacts',
      '--artifacts-destination', artifactsDir,
      '--workers', '1',
    ],
    {
      cwd: dir,
      // The security middleware's defaults take loopback Host headers, which is all the tests send.
      // No job runner: its consumers are processes the tests do not need.
      env: { PATH: process.env.PATH ?? '', HOME: dir, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: the server starts uvicorn as a child, and stopping takes both.
      detached: true,
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        // the group is gone
      }
    };
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // uvicorn may outlive its parent for a moment.
    signal('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${output}`);
      const healthy = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        async (res) => (await res.body?.cancel(), res.ok),
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`mlflow server did not answer ${uri}/health within ${START_DEADLINE_MS / 1000} s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const python = path.join(path.dirname(mlflow), 'python');
  return {
    uri,
    client: new MlflowClient({ trackingUri: uri }),
    artifactsDir,
    async python(code) {
      const { stdout } = await promisify(execFile)(python, ['-c', code], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, MLFLOW_TRACKING_URI: uri },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    },
    stop,
  };
}

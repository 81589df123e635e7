// A real job runner for tests and benches: `runner/main.ts` as its own process on a loopback port, with its own
// home (job table, inputs, job directories). Tests kill it, kill its jobs' processes (a lost host)
// and start it again on the same home and port.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LocalProvider } from '../activities/compute/local-provider';
import { freePort, stopChildProcess } from './local-processes';
import type { RunnerJob } from '../contracts/runner-protocol';
import { projectRoot } from '../config/project-root';

export interface RunnerProcess {
  url: string;
  token: string;
  home: string;
  /** Starts the runner (again) on its home and port; resolves once it listens. */
  start(): Promise<void>;
  /** SIGKILLs the runner; its jobs keep running, as they would on a host whose runner crashed. */
  crash(): void;
  /** SIGKILLs the process group of the job's given execution, as a lost host or a preemption would. */
  killJobProcess(jobId: string, execution: number): void;
  /** Process group ids of each execution of a job (1..executions). */
  executionPids(jobId: string, executions: number): number[];
  stop(): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests and benches read any route's JSON
  get(route: string): Promise<any>;
  jobs(idempotencyKeyPrefix?: string): Promise<RunnerJob[]>;
  log(): string;
}

export async function startRunnerProcess(options: { home: string; env?: Record<string, string> }): Promise<RunnerProcess> {
  const port = await freePort();
  const token = `runner-test-token-${Math.random().toString(36).slice(2, 10)}`;
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const runner: RunnerProcess = {
    url,
    token,
    home: options.home,
    async start() {
      // WINDSOCK_RUNNER_BUNDLE: a prebuilt runner (esbuild) for hosts without tsx, such as a GPU box.
      const entry = process.env.WINDSOCK_RUNNER_BUNDLE ? [process.env.WINDSOCK_RUNNER_BUNDLE] : ['--import', 'tsx', 'runner/main.ts'];
      child = spawn(process.execPath, entry, {
        cwd: projectRoot,
        env: {
          ...process.env,
          WINDSOCK_RUNNER_HOME: options.home,
          WINDSOCK_RUNNER_PORT: String(port),
          WINDSOCK_RUNNER_TOKEN: token,
          WINDSOCK_RUNNER_TICK_MS: '100',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const started = child;
      // A test that fails before its cleanup must not leave a runner behind.
      process.once('exit', () => started.kill('SIGKILL'));
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(`listening on ${url}`)) resolve();
        };
        started.stdout!.on('data', onData);
        started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        started.once('exit', (code) => reject(new Error(`runner exited with ${code} before listening:\n${output}`)));
      });
    },
    crash() {
      child?.kill('SIGKILL');
    },
    killJobProcess(jobId: string, execution: number) {
      process.kill(-runner.executionPids(jobId, execution).at(-1)!, 'SIGKILL');
    },
    executionPids(jobId: string, executions: number) {
      // The runner runs each execution as a local job named after the runner job and its count.
      const processes = new LocalProvider({ jobsDir: path.join(options.home, 'jobs'), python: 'python3', cwd: projectRoot });
      const pids: number[] = [];
      for (let n = 1; n <= executions; n++) {
        pids.push(Number(readFileSync(path.join(processes.jobDir(processes.jobIdFor(`${jobId}#${n}`)), 'pid'), 'utf8')));
      }
      return pids;
    },
    async stop() {
      if (child) await stopChildProcess(child, 3000);
    },
    async get(route: string) {
      const res = await fetch(new URL(route, url), { headers: { authorization: `Bearer ${token}` } });
      return res.json();
    },
    async jobs(prefix?: string) {
      const body = (await runner.get(`/v1/jobs${prefix ? `?idempotencyKeyPrefix=${encodeURIComponent(prefix)}` : ''}`)) as { jobs: RunnerJob[] };
      return body.jobs;
    },
    log: () => output,
  };
  await runner.start();
  return runner;
}

// The Windsock job runner: `npm run runner` on any machine with a GPU (or without one, for CPU jobs).
// It prints its URL and where its token is; point a worker at it with WINDSOCK_RUNNER_URL.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { jobEnvAllowFrom } from '../activities/compute/job-environment';
import { LocalProvider } from '../activities/compute/local-provider';
import { projectRoot } from '../config/project-root';
import { detectGpus } from './gpu-inventory';
import { InputStore } from './input-store';
import { JobSupervisor } from './job-supervisor';
import { createRunnerApp } from './runner-app';
import { createRunnerMetrics } from './runner-metrics';
import { openRunnerDb } from './runner-db';
import { loadRunnerEnv } from './runner-env';
import { RunnerJobStore } from './runner-job-store';

const env = loadRunnerEnv();
mkdirSync(env.home, { recursive: true });
const token = env.WINDSOCK_RUNNER_TOKEN ?? tokenFromFile(path.join(env.home, 'token'));
const { db, client } = await openRunnerDb(`file:${path.join(env.home, 'runner.db')}`);
const gpus = await detectGpus(env.WINDSOCK_RUNNER_NVIDIA_SMI);
const slots = env.WINDSOCK_RUNNER_SLOTS ?? Math.max(1, gpus.length);
const store = new RunnerJobStore(db, env.WINDSOCK_RUNNER_PRICE_PER_GPU_HOUR);
const inputs = new InputStore(path.join(env.home, 'inputs'));
const processes = new LocalProvider({ jobsDir: path.join(env.home, 'jobs'), python: env.WINDSOCK_PYTHON ?? 'python3', cwd: projectRoot, envAllow: jobEnvAllowFrom(env.WINDSOCK_JOB_ENV_ALLOW) });
const supervisor = new JobSupervisor({ store, inputs, processes, gpus, slots, maxExecutions: env.WINDSOCK_RUNNER_MAX_EXECUTIONS, tickMs: env.WINDSOCK_RUNNER_TICK_MS });
const metrics = createRunnerMetrics({ db, slots, gpus: gpus.length });
const app = createRunnerApp({ store, supervisor, inputs, gpus, slots, pricePerGpuHourUsd: env.WINDSOCK_RUNNER_PRICE_PER_GPU_HOUR, token, cwd: projectRoot, metrics, metricsToken: env.WINDSOCK_RUNNER_METRICS_TOKEN });

supervisor.start();
const server = serve({ fetch: app.fetch, hostname: env.WINDSOCK_RUNNER_HOST, port: env.WINDSOCK_RUNNER_PORT }, (info) => {
  const gpuText = gpus.length ? gpus.map((g) => `${g.index}: ${g.name} (${g.memoryMiB} MiB)`).join('; ') : 'none (CPU jobs only)';
  console.log(`[runner] listening on http://${env.WINDSOCK_RUNNER_HOST}:${info.port}; ${slots} slot(s); GPUs: ${gpuText}`);
  if (!env.WINDSOCK_RUNNER_TOKEN) console.log(`[runner] bearer token in ${path.join(env.home, 'token')}`);
});

// Jobs are separate process groups: stopping the runner leaves them running, and the next runner
// started on this home follows them again.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    supervisor.stop();
    server.close();
    client.close();
    process.exit(0);
  });
}

function tokenFromFile(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const generated = randomBytes(24).toString('base64url');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  return generated;
}

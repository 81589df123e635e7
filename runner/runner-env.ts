// The job runner's environment, parsed once at its entry. Defaults suit one GPU box on a private
// network; every one is a variable away.
import path from 'node:path';
import { z } from 'zod';

export const runnerEnvSchema = z.object({
  /** Job table (runner.db), uploaded inputs and job directories live here. */
  WINDSOCK_RUNNER_HOME: z.string().default('.windsock/runner'),
  WINDSOCK_RUNNER_HOST: z.string().default('127.0.0.1'),
  WINDSOCK_RUNNER_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  /** The bearer token clients send; generated into <home>/token when unset. */
  WINDSOCK_RUNNER_TOKEN: z.string().min(16).optional(),
  /** A token that reads /metrics only, for a Prometheus scraper (it cannot run or see jobs). */
  WINDSOCK_RUNNER_METRICS_TOKEN: z.string().min(16).optional(),
  /** Jobs run at once; the rest queue. Default: one per GPU, or one on a host without GPUs. */
  WINDSOCK_RUNNER_SLOTS: z.coerce.number().int().min(1).optional(),
  /** What one GPU-hour costs (a CPU job's slot is billed as one GPU); budgets are checked against it. */
  WINDSOCK_RUNNER_PRICE_PER_GPU_HOUR: z.coerce.number().min(0).default(0),
  /** Processes one job may use when its host keeps dying under it. */
  WINDSOCK_RUNNER_MAX_EXECUTIONS: z.coerce.number().int().min(1).default(3),
  WINDSOCK_RUNNER_TICK_MS: z.coerce.number().int().min(10).default(200),
  /** The nvidia-smi the runner asks for the host's GPUs (a host with none: it is absent, and that is fine). */
  WINDSOCK_RUNNER_NVIDIA_SMI: z.string().default('nvidia-smi'),
  WINDSOCK_PYTHON: z.string().optional(),
  /** More host variables jobs may see, comma-separated (`NAME` or `PREFIX_*`); see activities/compute/job-environment.ts. */
  WINDSOCK_JOB_ENV_ALLOW: z.string().optional(),
});

export type RunnerEnv = z.infer<typeof runnerEnvSchema> & { home: string };

export function loadRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv {
  const parsed = runnerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid runner environment:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, home: path.resolve(parsed.data.WINDSOCK_RUNNER_HOME) };
}

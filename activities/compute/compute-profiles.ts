// The compute profiles a worker offers, from its environment: `local` always, `runner` when
// WINDSOCK_RUNNER_URL names a job runner, and any number of named runners in WINDSOCK_COMPUTE_PROFILES.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type WindsockEnv } from '../../config/windsock-env';
import { runnerEnvSchema } from '../../runner/runner-env';
import type { ComputeProvider } from './compute-provider';
import { jobEnvAllowFrom } from './job-environment';
import { LocalProvider } from './local-provider';
import { RunnerProvider } from './runner-provider';

const profilesSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/),
  z.strictObject({ url: z.url(), token: z.string().min(1) }),
);

export function computeProfilesFromEnv(env: WindsockEnv, projectRoot: string): Record<string, ComputeProvider> {
  const jobsDir = path.join(env.home, 'jobs');
  const profiles: Record<string, ComputeProvider> = {
    local: new LocalProvider({ jobsDir, python: env.WINDSOCK_PYTHON ?? 'python3', cwd: projectRoot, envAllow: jobEnvAllowFrom(env.WINDSOCK_JOB_ENV_ALLOW) }),
  };
  const runner = (name: string, url: string, token: string) =>
    new RunnerProvider({ name, baseUrl: url, token, workDir: path.join(jobsDir, 'runner-outputs', name) });
  if (env.WINDSOCK_RUNNER_URL) {
    const token = env.WINDSOCK_RUNNER_TOKEN ?? localRunnerToken();
    if (!token) throw new ConfigError('WINDSOCK_RUNNER_URL is set but WINDSOCK_RUNNER_TOKEN is not (and no runner on this host has a token file in .windsock/runner/token)');
    profiles.runner = runner('runner', env.WINDSOCK_RUNNER_URL, token);
  }
  if (env.WINDSOCK_COMPUTE_PROFILES) {
    let parsed: z.infer<typeof profilesSchema>;
    try {
      parsed = profilesSchema.parse(JSON.parse(env.WINDSOCK_COMPUTE_PROFILES));
    } catch (err) {
      throw new ConfigError(`WINDSOCK_COMPUTE_PROFILES must be JSON like {"a100": {"url": "http://gpu-a:8790", "token": "..."}}: ${(err as Error).message}`);
    }
    for (const [name, profile] of Object.entries(parsed)) profiles[name] = runner(name, profile.url, profile.token);
  }
  const defaultProfile = defaultComputeProfile(env);
  if (!profiles[defaultProfile]) {
    throw new ConfigError(`WINDSOCK_COMPUTE is '${defaultProfile}', but this worker has only the compute profiles ${Object.keys(profiles).join(', ')}`);
  }
  return profiles;
}

/** WINDSOCK_COMPUTE, else the runner when one is configured, else `local`. */
export function defaultComputeProfile(env: WindsockEnv): string {
  return env.WINDSOCK_COMPUTE ?? (env.WINDSOCK_RUNNER_URL ? 'runner' : 'local');
}

function localRunnerToken(): string | undefined {
  const home = runnerEnvSchema.shape.WINDSOCK_RUNNER_HOME.parse(process.env.WINDSOCK_RUNNER_HOME);
  const file = path.resolve(home, 'token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

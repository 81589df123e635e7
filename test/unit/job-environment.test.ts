// A training job sees the host variables a job needs and nothing of Windsock's own configuration: a
// real job process prints its environment to prove it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hostEnvForJob, jobEnvAllowFrom } from '../../activities/compute/job-environment';
import { LocalProvider } from '../../activities/compute/local-provider';

const jobsDir = mkdtempSync(path.join(os.tmpdir(), 'windsock-job-env-'));
afterAll(() => rmSync(jobsDir, { recursive: true, force: true }));

// What a worker or runner host holds: its PATH and locale, a GPU setting, and secrets.
const host = {
  PATH: process.env.PATH,
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  CUDA_VISIBLE_DEVICES: '0',
  OMP_NUM_THREADS: '2',
  WINDSOCK_TOKENS: 'alice:submitter:alice-secret-token-0123',
  WINDSOCK_EDGE_TOKEN: 'edge-secret-0123456789',
  WINDSOCK_RUNNER_TOKEN: 'runner-secret-0123456789',
  WINDSOCK_WEBHOOK_SECRET: 'webhook-secret-0123456789',
  TEMPORAL_API_KEY: 'temporal-secret-0123456789',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-0123456789',
  TEAM_DATA_BUCKET: 'team-bucket',
};

it('runs a job with the allow-listed host variables, its own, and no secret', async () => {
  const provider = new LocalProvider({ jobsDir, python: 'python3', cwd: jobsDir, hostEnv: host, envAllow: jobEnvAllowFrom('TEAM_*, WINDSOCK_TOKENS') });
  const dump = 'import json, os; json.dump(dict(os.environ), open(os.path.join(os.environ["WINDSOCK_OUTPUT_DIR"], "env.json"), "w"))';
  const { jobId } = await provider.submit({ command: ['python', '-c', dump], env: { WINDSOCK_PARAMS: '{}' }, inputs: { WINDSOCK_DATASET: '/data/train.csv' }, deadlineSeconds: 60 }, 'env-job');
  for (const by = Date.now() + 30_000; (await provider.status(jobId)).state === 'running' && Date.now() < by; ) await new Promise((r) => setTimeout(r, 50));
  expect((await provider.status(jobId)).state).toBe('succeeded');

  const env = JSON.parse(readFileSync(path.join(provider.jobDir(jobId), 'output', 'env.json'), 'utf8')) as Record<string, string>;
  expect(env).toMatchObject({ LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', CUDA_VISIBLE_DEVICES: '0', OMP_NUM_THREADS: '2', TEAM_DATA_BUCKET: 'team-bucket' });
  expect(env).toMatchObject({ WINDSOCK_PARAMS: '{}', WINDSOCK_DATASET: '/data/train.csv', WINDSOCK_JOB_ID: jobId });
  // WINDSOCK_TOKENS was listed, and is withheld all the same: no WINDSOCK_* or TEMPORAL_* host variable reaches a job.
  for (const name of ['WINDSOCK_TOKENS', 'WINDSOCK_EDGE_TOKEN', 'WINDSOCK_RUNNER_TOKEN', 'WINDSOCK_WEBHOOK_SECRET', 'TEMPORAL_API_KEY', 'AWS_SECRET_ACCESS_KEY']) {
    expect(env).not.toHaveProperty(name);
  }
  expect(JSON.stringify(env)).not.toMatch(/secret/);
});

it('allows exact names and PREFIX_* families, the defaults first', () => {
  expect(hostEnvForJob({ HF_HOME: '/cache', NCCL_DEBUG: 'INFO', FOO: '1', FOO_BAR: '2' }, jobEnvAllowFrom('FOO'))).toEqual({ HF_HOME: '/cache', NCCL_DEBUG: 'INFO', FOO: '1' });
  expect(jobEnvAllowFrom(undefined)).toContain('PATH');
});

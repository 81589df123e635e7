// The job runner's HTTP API on a real runner process: auth, inputs by digest, idempotent submission,
// every refused job spec as a 400 naming the problem (and no job recorded), the real example job run
// to completion with its artifacts and logs, and the job table surviving a runner restart.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { isAlive } from '../../activities/compute/local-provider';
import { projectRoot } from '../../config/project-root';
import { startRunnerProcess, type RunnerProcess } from '../../scripts/runner-process';
import { holdJob } from './job-hold';

const datasetFile = path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv');
const specFile = path.join(projectRoot, 'examples/breast-cancer/dataset-spec.json');
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('job runner API', () => {
  let runner: RunnerProcess;
  let home: string;
  const call = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL(route, runner.url), {
      method,
      headers: { authorization: `Bearer ${runner.token}`, ...(body !== undefined && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body instanceof Uint8Array ? body : body !== undefined ? JSON.stringify(body) : undefined,
    });
  const job = (overrides: Record<string, unknown> = {}) => ({
    idempotencyKey: `k-${Math.random()}`,
    command: ['python', 'jobs/breast-cancer/train.py'],
    inputs: { WINDSOCK_DATASET: sha(datasetFile), WINDSOCK_DATASET_SPEC: sha(specFile) },
    env: { WINDSOCK_PARAMS: JSON.stringify({ epochs: 5 }) },
    deadlineSeconds: 300,
    ...overrides,
  });

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-api-'));
    runner = await startRunnerProcess({ home, env: { WINDSOCK_PYTHON: inject('python') } });
    for (const file of [datasetFile, specFile]) {
      expect((await call('PUT', `/v1/inputs/${sha(file)}`, new Uint8Array(readFileSync(file)))).status).toBe(201);
    }
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('needs its bearer token', async () => {
    expect((await fetch(`${runner.url}/v1/jobs`)).status).toBe(401);
    expect((await fetch(`${runner.url}/v1/jobs`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
  });

  it('reports the host: no GPUs here, one slot', async () => {
    const health = (await runner.get('/v1/health')) as unknown;
    expect(health).toMatchObject({ gpus: [], slots: 1 });
  });

  it('keeps an input only when its body matches the digest it is put under', async () => {
    const res = await call('PUT', `/v1/inputs/${'0'.repeat(64)}`, new Uint8Array(Buffer.from('not that')));
    expect(res.status).toBe(400);
    expect((((await res.json()) as any) as any).error.message).toMatch(/has sha256 [0-9a-f]{64}, not the 0{64}/);
    expect((await call('HEAD', `/v1/inputs/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await call('PUT', `/v1/inputs/${sha(datasetFile)}`, new Uint8Array(readFileSync(datasetFile)))).status).toBe(200);
  });

  it.each([
    ['an empty command', { command: [] }, /body\.command/],
    ['no command at all', { command: undefined }, /body\.command: a job needs a command/],
    ['an unknown field', { priority: 5 }, /Unrecognized key: "priority"/],
    ['a zero deadline', { deadlineSeconds: 0 }, /body\.deadlineSeconds/],
    ['a negative budget', { budgetUsd: -1 }, /body\.budgetUsd/],
    ['a reserved variable', { env: { WINDSOCK_OUTPUT_DIR: '/tmp/elsewhere' } }, /WINDSOCK_OUTPUT_DIR is set by the runner/],
    ['a lower-case variable name', { env: { params: '{}' } }, /body\.env/],
    ['an input never uploaded', { inputs: { WINDSOCK_DATASET: 'a'.repeat(64) } }, /WINDSOCK_DATASET \(a{64}\) not uploaded/],
    ['an input that is not a digest', { inputs: { WINDSOCK_DATASET: 'data.csv' } }, /body\.inputs\.WINDSOCK_DATASET: a lowercase hex sha256/],
    ['more GPUs than the host has', { gpus: 1 }, /the job needs 1 GPUs; this runner has 0/],
    ['a container image', { image: 'ghcr.io/acme/train:1', command: undefined }, /no container runtime/],
    ['a script not on the runner', { command: ['python', 'jobs/missing/train.py'] }, /script 'jobs\/missing\/train.py' is not on this runner/],
  ])('refuses %s with a 400 and records no job', async (_name, overrides, message) => {
    const before = (await runner.jobs()).length;
    const res = await call('POST', '/v1/jobs', job(overrides));
    const body = ((await res.json()) as any) as any;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(message);
    expect(await runner.jobs()).toHaveLength(before);
  });

  it('refuses malformed JSON with a 400', async () => {
    const res = await call('POST', '/v1/jobs', undefined, { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
  });

  it('answers 404 for an unknown job', async () => {
    const res = await call('GET', '/v1/jobs/job-nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toMatch(/no job 'job-nope'/);
  });

  it('runs the example job: one job per key, artifacts with their sha256, paged logs, and a record that outlives a restart', async () => {
    const spec = job();
    const first = await call('POST', '/v1/jobs', spec);
    expect(first.status).toBe(201);
    const { job: submitted } = (await first.json()) as any;
    const again = await call('POST', '/v1/jobs', spec);
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).job.id).toBe(submitted.id);
    const conflict = await call('POST', '/v1/jobs', { ...spec, deadlineSeconds: 301 });
    expect(conflict.status).toBe(409);

    let status = await runner.get(`/v1/jobs/${submitted.id}`);
    for (const deadline = Date.now() + 60_000; status.state !== 'succeeded' && status.state !== 'failed' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      status = await runner.get(`/v1/jobs/${submitted.id}`);
    }
    expect(status, JSON.stringify(status)).toMatchObject({ state: 'succeeded', exitCode: 0, executions: 1 });
    expect(status.progress.event).toBe('completed');

    const { artifacts } = await runner.get(`/v1/jobs/${submitted.id}/artifacts`);
    expect(artifacts.map((a: { name: string }) => a.name)).toEqual(['metrics.json', 'model.onnx']);
    const model = await call('GET', `/v1/jobs/${submitted.id}/artifacts/model.onnx`);
    const bytes = new Uint8Array(await model.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifacts[1].sha256);
    expect((await call('GET', `/v1/jobs/${submitted.id}/artifacts/nope.bin`)).status).toBe(404);

    const page1 = await call('GET', `/v1/jobs/${submitted.id}/logs?limit=64`);
    expect(page1.headers.get('x-next-offset')).toBe('64');
    expect(page1.headers.get('x-log-complete')).toBe('false');
    const rest = await call('GET', `/v1/jobs/${submitted.id}/logs?offset=64`);
    expect(rest.headers.get('x-log-complete')).toBe('true');
    const log = (await page1.text()) + (await rest.text());
    expect(log.trimEnd().split('\n').map((l) => JSON.parse(l).event)).toEqual(['started', 'progress', 'progress', 'progress', 'progress', 'progress', 'completed']);

    await runner.stop();
    await runner.start();
    expect(await runner.get(`/v1/jobs/${submitted.id}`)).toMatchObject({ id: submitted.id, state: 'succeeded' });
  });

  it('queues jobs beyond its slots, and a runner crash leaves the running job running', async () => {
    const waitFor = async (id: string, states: string[]) => {
      for (const by = Date.now() + 90_000; Date.now() < by; await new Promise((r) => setTimeout(r, 100))) {
        const status = await runner.get(`/v1/jobs/${id}`);
        if (states.includes(status.state)) return status;
      }
      throw new Error(`job ${id} never reached ${states.join('|')}`);
    };
    // Held after epoch 20 until the next runner is up: the job is running through the runner's crash.
    const hold = holdJob(20);
    const long = ((await (await call('POST', '/v1/jobs', job({ env: { WINDSOCK_PARAMS: JSON.stringify({ epochs: 300, ...hold.params }) } }))).json()) as any).job;
    const short = ((await (await call('POST', '/v1/jobs', job())).json()) as any).job;
    await waitFor(long.id, ['running']);
    expect((await runner.get(`/v1/jobs/${short.id}`)).state).toBe('queued');
    expect(await runner.get('/v1/health')).toMatchObject({ slots: 1, running: 1, queued: 1 });

    // The runner dies; its job does not (a process group of its own). The next runner follows it.
    for (const by = Date.now() + 30_000; !((await runner.get(`/v1/jobs/${long.id}`)).progress?.epoch >= 20) && Date.now() < by; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    runner.crash();
    await new Promise((r) => setTimeout(r, 500));
    expect(runner.executionPids(long.id, 1).some(isAlive)).toBe(true);
    await runner.start();
    hold.release();
    const done = await waitFor(long.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', executions: 1 });
    expect(done.progress.metrics.epochs_run).toBe(300);
    expect(await waitFor(short.id, ['succeeded', 'failed'])).toMatchObject({ state: 'succeeded', executions: 1 });
  });

  it('gives each job its own GPUs (CUDA_VISIBLE_DEVICES), one slot per GPU, on a host that reports two', async () => {
    // This machine has no GPU: a stand-in nvidia-smi reports two, so that the runner's GPU bookkeeping
    // can be checked; the jobs themselves run on the CPU.
    const gpuHome = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-gpus-'));
    const gpuRunner = await startRunnerProcess({ home: gpuHome, env: { WINDSOCK_PYTHON: inject('python'), WINDSOCK_RUNNER_NVIDIA_SMI: path.join(projectRoot, 'test/fixtures/fake-nvidia-smi.sh') } });
    try {
      const health = await gpuRunner.get('/v1/health');
      expect(health).toMatchObject({ slots: 2, gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3' }, { index: 1 }] });
      const submit = async (key: string, gpus?: number) => {
        const res = await fetch(`${gpuRunner.url}/v1/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gpuRunner.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ idempotencyKey: key, command: ['sh', '-c', 'echo "$CUDA_VISIBLE_DEVICES" > "$WINDSOCK_OUTPUT_DIR/gpus.txt"; sleep 1'], deadlineSeconds: 60, ...(gpus !== undefined ? { gpus } : {}) }),
        });
        return ((await res.json()) as any).job.id as string;
      };
      const tooMany = await fetch(`${gpuRunner.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gpuRunner.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ idempotencyKey: 'three', command: ['sh', '-c', 'true'], deadlineSeconds: 60, gpus: 3 }),
      });
      expect(tooMany.status).toBe(400);
      const [a, b, both] = [await submit('a'), await submit('b'), await submit('both', 2)];
      const done = async (id: string) => {
        for (const by = Date.now() + 60_000; Date.now() < by; await new Promise((r) => setTimeout(r, 100))) {
          const j = await gpuRunner.get(`/v1/jobs/${id}`);
          if (j.state === 'succeeded' || j.state === 'failed') return j;
        }
        throw new Error(`job ${id} did not finish`);
      };
      const visible = async (id: string) => (await (await fetch(`${gpuRunner.url}/v1/jobs/${id}/artifacts/gpus.txt`, { headers: { authorization: `Bearer ${gpuRunner.token}` } })).text()).trim();
      const [ja, jb, jboth] = [await done(a), await done(b), await done(both)];
      expect([ja.gpus, jb.gpus].sort()).toEqual([[0], [1]]);
      expect([await visible(a), await visible(b)].sort()).toEqual(['0', '1']);
      expect(jboth.gpus).toEqual([0, 1]);
      expect(await visible(both)).toBe('0,1');
      // The two-GPU job waited for both single-GPU jobs to free their GPUs.
      expect(jboth.startedAt).toBeGreaterThanOrEqual(Math.max(ja.endedAt, jb.endedAt));
      // A job holding two GPUs is billed for both.
      expect(jboth.gpuSeconds).toBeGreaterThan(1.9);
    } finally {
      await gpuRunner.stop();
      rmSync(gpuHome, { recursive: true, force: true });
    }
  });
});

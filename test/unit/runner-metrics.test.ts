// GET /metrics on the job runner, in process on a real job table (a libSQL file): the runner's token
// or the metrics-only token reads it (the latter can run no job); requests by route pattern; jobs by
// state, slots and GPUs in use, and the running time of ended jobs, each counted once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../activities/compute/local-provider';
import { InputStore } from '../../runner/input-store';
import { JobSupervisor } from '../../runner/job-supervisor';
import { createRunnerApp } from '../../runner/runner-app';
import { openRunnerDb } from '../../runner/runner-db';
import { RunnerJobStore } from '../../runner/runner-job-store';
import { createRunnerMetrics } from '../../runner/runner-metrics';
import { requestApp } from '../fast/routes/app-request';
import { parseExposition, sampleValue, type Sample } from '../fast/routes/prometheus-exposition';

const token = 'runner-metrics-token-0123456789';
const metricsToken = 'runner-scraper-token-0123456789';
const gpu = (index: number) => ({ index, name: 'Test GPU', memoryMiB: 1024 });

describe('GET /metrics on the job runner', () => {
  let home: string;
  let client: Client;
  let store: RunnerJobStore;
  let app: ReturnType<typeof createRunnerApp>;
  const get = (url: string, bearer?: string) => requestApp(app, 'GET', url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const scrape = async (): Promise<Sample[]> => {
    const res = await get('/metrics', metricsToken);
    expect(res.status).toBe(200);
    return parseExposition(res.body as string).samples;
  };

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-metrics-'));
    const opened = await openRunnerDb(`file:${path.join(home, 'runner.db')}`);
    client = opened.client;
    store = new RunnerJobStore(opened.db, 1);
    const inputs = new InputStore(path.join(home, 'inputs'));
    // The supervisor never ticks: the test puts jobs in their states itself.
    const processes = new LocalProvider({ jobsDir: path.join(home, 'jobs'), python: '/nonexistent/python', cwd: home });
    const gpus = [gpu(0), gpu(1)];
    const supervisor = new JobSupervisor({ store, inputs, processes, gpus, slots: 2, maxExecutions: 1, tickMs: 60_000, log: () => {} });
    const metrics = createRunnerMetrics({ db: opened.db, slots: 2, gpus: gpus.length });
    app = createRunnerApp({ store, supervisor, inputs, gpus, slots: 2, pricePerGpuHourUsd: 1, token, cwd: home, metrics, metricsToken });
  });
  afterAll(() => {
    client?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("refuses a scrape without a token or with an unknown one (401); the metrics token reads /metrics and runs nothing", async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'not-the-token-0123456789')).status).toBe(401);
    expect((await get('/metrics', token)).status).toBe(200);
    expect((await get('/metrics', metricsToken)).status).toBe(200);
    expect((await get('/v1/health', metricsToken)).status).toBe(401);
    expect((await requestApp(app, 'POST', '/v1/jobs', { headers: { authorization: `Bearer ${metricsToken}` }, body: { idempotencyKey: 'x', command: ['true'], deadlineSeconds: 60 } })).status).toBe(401);
  });

  it('counts requests by route pattern, never the job id in the path', async () => {
    const id = `job-${randomUUID()}`;
    const before = await scrape();
    await get(`/v1/jobs/${id}`, token);
    const after = await scrape();
    const labels = { method: 'GET', route: '/v1/jobs/:id', status_class: '4xx' };
    expect(sampleValue(after, 'windsock_http_requests_total', labels) - sampleValue(before, 'windsock_http_requests_total', labels)).toBe(1);
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes(id)))).toBe(false);
  });

  it('shows jobs by state, slots and GPUs in use, and the running time of ended jobs once', async () => {
    const submit = async (key: string) => (await store.submit({ idempotencyKey: `${key}-${randomUUID()}`, command: ['python', 'train.py'], env: {}, inputs: {}, deadlineSeconds: 60 })).row.id;
    const now = Date.now();
    await submit('queued');
    await store.update(await submit('running'), { state: 'running', gpus: [0, 1], executions: 1, executionStartedAt: now, startedAt: now });
    await store.update(await submit('done'), { state: 'succeeded', priorSeconds: 42, startedAt: now - 42_000, endedAt: now });
    await store.update(await submit('broken'), { state: 'failed', reason: 'job_error', priorSeconds: 3, startedAt: now - 3000, endedAt: now });
    const samples = await scrape();
    expect(sampleValue(samples, 'windsock_runner_jobs', { state: 'queued' })).toBe(1);
    expect(sampleValue(samples, 'windsock_runner_jobs', { state: 'running' })).toBe(1);
    expect(sampleValue(samples, 'windsock_runner_jobs', { state: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'windsock_runner_jobs', { state: 'cancelled' })).toBe(0);
    expect(sampleValue(samples, 'windsock_runner_slots')).toBe(2);
    expect(sampleValue(samples, 'windsock_runner_slots_in_use')).toBe(1);
    expect(sampleValue(samples, 'windsock_runner_gpus')).toBe(2);
    expect(sampleValue(samples, 'windsock_runner_gpus_in_use')).toBe(2);
    expect(sampleValue(samples, 'windsock_runner_job_seconds_count', { state: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'windsock_runner_job_seconds_sum', { state: 'succeeded' })).toBe(42);
    expect(sampleValue(samples, 'windsock_runner_job_seconds_bucket', { state: 'succeeded', le: '30' })).toBe(0);
    expect(sampleValue(samples, 'windsock_runner_job_seconds_bucket', { state: 'succeeded', le: '60' })).toBe(1);
    expect(sampleValue(samples, 'windsock_runner_job_seconds_count', { state: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
    const again = await scrape();
    expect(sampleValue(again, 'windsock_runner_job_seconds_count', { state: 'succeeded' })).toBe(1);
  });
});

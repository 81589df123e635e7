// Retries must not duplicate work: a retried registration makes no second version, and a training
// activity retried on a new worker reattaches to the job it started instead of starting another.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindsockError } from '../../core/windsock-error';
import { holdJob } from './job-hold';
import { startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let registerCalls = 0;
let failNextRegistration = false;

beforeAll(async () => {
  h = await startHarness('retries', { adjust: (deps) => {
    const real = deps.registry.registerVersion.bind(deps.registry);
    // Simulates a connection lost after the registry committed: the activity fails, Temporal retries it.
    deps.registry.registerVersion = async (input) => {
      registerCalls += 1;
      const result = await real(input);
      if (failNextRegistration) {
        failNextRegistration = false;
        throw new WindsockError('unavailable', 'connection lost after commit', { retryable: true });
      }
      return result;
    };
    return deps;
  } });
});
afterAll(async () => h?.close());

describe('retries', () => {
  it('registers one version when the registration activity is retried after its write', async () => {
    const before = (await h.registry.listVersions('breast-cancer')).length;
    registerCalls = 0;
    failNextRegistration = true;
    const id = await h.submit({}, 'register-retry');
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage).toBe('awaiting_approval');
    expect(registerCalls).toBe(2);
    const versions = await h.registry.listVersions('breast-cancer');
    expect(versions).toHaveLength(before + 1);
    expect(versions[0]!.version).toBe(waiting.version);
    expect(versions[0]!.pipelineId).toBe(id);
    await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });
  });

  it('reattaches to the running training job after the worker restarts', async () => {
    // Held after its first epoch until the new worker runs: the job is running when the worker goes.
    const hold = holdJob(1);
    const id = await h.submit({ params: { epochs: 400, ...hold.params } }, 'reattach');
    let status = await h.waitForStage(id, ['training']);
    const deadline = Date.now() + 60_000;
    while (!status.progress?.progress && Date.now() < deadline) {
      status = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
      await new Promise((r) => setTimeout(r, 100));
    }
    const jobId = status.progress.jobId as string;
    await h.restartWorker();
    hold.release();

    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed'], 120_000);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.training!.jobId).toBe(jobId);
    expect(waiting.training!.metrics).toMatchObject({ epochs_run: 400 });
    const jobs = readdirSync(path.join(h.home, 'jobs')).filter((j) => j.startsWith('local-'));
    expect(jobs.filter((j) => j === jobId)).toHaveLength(1);
    expect(jobs).toHaveLength(2); // this pipeline's job and the previous test's
    await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });
  });
});

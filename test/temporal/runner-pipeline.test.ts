// Pipelines training on a real job runner process over loopback, through every fault a long job
// meets: the worker restarted mid-job (the same job reattached, one submission), the runner's host
// lost mid-job (the job record survives and the job resumes from its checkpoint), cancellation,
// deadline, budget, and a failing job whose own error text reaches the pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAlive } from '../../activities/compute/local-provider';
import { RunnerProvider } from '../../activities/compute/runner-provider';
import { WindsockError } from '../../core/windsock-error';
import { holdJob } from './job-hold';
import { startHarness, type Harness } from './pipeline-harness';
import { startRunnerProcess, type RunnerProcess } from '../../scripts/runner-process';

/** The real runner, with a status read that fails (not retryable) once the job runs: the activity dies, the job does not. */
class StatusFailsOnceRunning extends RunnerProvider {
  override async status(jobId: string) {
    const status = await super.status(jobId);
    if (((status.progress?.epoch as number | undefined) ?? 0) >= 3) throw new WindsockError('bad_request', `status injected to fail for ${jobId}`);
    return status;
  }
}

// $36 per GPU-hour is a cent a second: a budget of a few cents stops a long job within seconds.
const PRICE_PER_GPU_HOUR = 36;

describe('pipelines on the job runner', () => {
  let h: Harness;
  let runner: RunnerProcess;
  let runnerHome: string;

  beforeAll(async () => {
    runnerHome = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-'));
    runner = await startRunnerProcess({ home: runnerHome, env: { WINDSOCK_PYTHON: inject('python'), WINDSOCK_RUNNER_PRICE_PER_GPU_HOUR: String(PRICE_PER_GPU_HOUR) } });
    h = await startHarness('runner', {
      adjust: (deps) => ({
        ...deps,
        compute: {
          ...deps.compute,
          runner: new RunnerProvider({ name: 'runner', baseUrl: runner.url, token: runner.token, workDir: path.join(runnerHome, 'worker-side') }),
          'runner-status-fails': new StatusFailsOnceRunning({ name: 'runner-status-fails', baseUrl: runner.url, token: runner.token, workDir: path.join(runnerHome, 'worker-side') }),
        },
        defaultCompute: 'runner',
      }),
    });
  });
  afterAll(async () => {
    await runner?.stop();
    await h?.close();
    rmSync(runnerHome, { recursive: true, force: true });
  });

  /** Waits for the pipeline's training to report at least this epoch; returns the runner job id. */
  async function trainingAt(id: string, epoch: number): Promise<string> {
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
      const status = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
      if (status.stage !== 'training' && status.stage !== 'validating') throw new Error(`pipeline left training: ${JSON.stringify(status)}`);
      if ((status.progress?.progress?.epoch ?? 0) >= epoch) return status.progress.jobId as string;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pipeline ${id} never reached epoch ${epoch}`);
  }

  const cleanup = (id: string) => h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });

  it('trains on the runner: progress while it runs, cost and logs in the lineage', async () => {
    const hold = holdJob(1);
    const id = await h.submit({ params: { epochs: 120, ...hold.params } }, 'runner-happy');
    const jobId = await trainingAt(id, 1);
    expect(jobId).toMatch(/^job-/);
    hold.release();
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.training!).toMatchObject({ provider: 'runner', jobId, metrics: { epochs_run: 120 } });
    expect(waiting.training!.costUsd).toBeGreaterThan(0);
    const version = (await h.request('GET', `/v1/models/breast-cancer/versions/${waiting.version}`, { as: 'carol' })).body;
    expect(version.lineage).toMatchObject({ computeProvider: 'runner', computeJobId: jobId });
    expect(version.lineage.computeCostUsd).toBeCloseTo(waiting.training!.costUsd!, 6);
    expect(version.lineage.computeGpuSeconds).toBeGreaterThan(0);
    const log = (await h.deps.blobs.get(version.lineage.jobLogsUri)).toString();
    expect(log).toContain('"event": "completed"');
    expect(log).toContain('--- stderr ---');
    await cleanup(id);
  });

  it('reattaches to the same remote job after the worker restarts: the runner sees one submission', async () => {
    const hold = holdJob(20);
    const id = await h.submit({ params: { epochs: 300, ...hold.params } }, 'runner-reattach');
    const jobId = await trainingAt(id, 20);
    await h.restartWorker();
    hold.release();
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed'], 120_000);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.training!.jobId).toBe(jobId);
    const jobs = await runner.jobs(id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ id: jobId, executions: 1, state: 'succeeded' });
    await cleanup(id);
  });

  it('survives losing the runner and its host mid-job: the record survives and the job resumes from its checkpoint', async () => {
    // Held after epoch 60, whose checkpoint is written: the resumed run starts at 61 and does not hold.
    const hold = holdJob(60);
    const id = await h.submit({ params: { epochs: 300, checkpoint_every: 10, ...hold.params } }, 'runner-host-lost');
    const jobId = await trainingAt(id, 60);
    const { executions } = await runner.get(`/v1/jobs/${jobId}`);
    runner.crash();
    runner.killJobProcess(jobId, executions);
    hold.release();
    await new Promise((r) => setTimeout(r, 1000)); // the worker polls a dead runner meanwhile
    await runner.start();
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed'], 120_000);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.training!.jobId).toBe(jobId);
    expect(waiting.training!.metrics!.resumed_from_epoch).toBe(60);
    expect(waiting.training!.metrics!.epochs_run).toBe(300);
    const jobs = await runner.jobs(id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ id: jobId, executions: 2, state: 'succeeded' });
    await cleanup(id);
  });

  it('stops the remote job when the pipeline is cancelled', async () => {
    const id = await h.submit({ params: { epochs: 2000, ...holdJob(5).params } }, 'runner-cancel');
    const jobId = await trainingAt(id, 5);
    expect((await h.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'dave' })).status).toBe(202);
    const done = await h.waitForStage(id, ['cancelled', 'failed'], 60_000);
    expect(done.stage).toBe('cancelled');
    await expectJobStopped(jobId);
  });

  it('stops the remote job when the pipeline is cancelled while its worker restarts', async () => {
    const id = await h.submit({ params: { epochs: 2000, ...holdJob(5).params } }, 'runner-cancel-between');
    const jobId = await trainingAt(id, 5);
    // The attempt ends with its worker; the cancellation is requested while no worker runs.
    // (The cancel route reads the pipeline through a query, which needs a worker: cancel directly.)
    await h.restartWorker(() => h.client.workflow.getHandle(id).cancel().then(() => undefined));
    const done = await h.waitForStage(id, ['cancelled', 'failed'], 60_000);
    expect(done.stage).toBe('cancelled');
    await expectJobStopped(jobId);
  });

  it('stops a job that outlives its training activity (the activity failed while the job ran)', async () => {
    // Held at epoch 3, where the status read fails: the job is running when the activity dies.
    const id = await h.submit({ params: { epochs: 2000, ...holdJob(3).params }, compute: 'runner-status-fails' }, 'runner-orphan');
    const done = await h.waitForStage(id, ['failed', 'awaiting_approval'], 60_000);
    expect(done.stage).toBe('failed');
    expect(done.error!.message).toMatch(/status injected to fail/);
    const [job] = await runner.jobs(id);
    expect(job!.state).toBe('cancelled');
    expect(runnerJobAlive(job!.id, job!.executions)).toBe(false);
  });

  it('fails the pipeline with the deadline when the job runs past it', async () => {
    // Held until the deadline stops it, however fast the host trains.
    const id = await h.submit({ params: { epochs: 2000, ...holdJob(1).params }, job: { deadlineSeconds: 3 } }, 'runner-deadline');
    const done = await h.waitForStage(id, ['failed', 'awaiting_approval'], 60_000);
    expect(done.stage).toBe('failed');
    expect(done.error!.code).toBe('deadline_exceeded');
    expect(done.error!.message).toMatch(/deadline of 3 s/);
    const [job] = await runner.jobs(id);
    expect(['failed', 'cancelled']).toContain(job!.state);
    expect(runnerJobAlive(job!.id, job!.executions)).toBe(false);
  });

  it('fails the pipeline with the budget when the job costs more than it', async () => {
    const id = await h.submit({ params: { epochs: 2000, ...holdJob(1).params }, job: { budgetUsd: 0.03 } }, 'runner-budget');
    const done = await h.waitForStage(id, ['failed', 'awaiting_approval'], 60_000);
    expect(done.stage).toBe('failed');
    expect(done.error!.code).toBe('budget_exceeded');
    expect(done.error!.message).toMatch(/past its budget of \$0\.03/);
    const [job] = await runner.jobs(id);
    expect(job).toMatchObject({ state: 'failed', reason: 'budget_exceeded' });
    expect(job!.costUsd).toBeGreaterThan(0.03);
    expect(runnerJobAlive(job!.id, job!.executions)).toBe(false);
  });

  it("puts a failing job's own error text in the pipeline status", async () => {
    const id = await h.submit({ params: { lr: -1 } }, 'runner-failing');
    const done = await h.waitForStage(id, ['failed', 'awaiting_approval'], 60_000);
    expect(done.stage).toBe('failed');
    expect(done.error!.code).toBe('job_failed');
    expect(done.error!.message).toMatch(/exited with code 2: .*parameter lr must be > 0/s);
  });

  /** The workflow does not wait for the activity's cleanup: the runner job stops within seconds. */
  async function expectJobStopped(jobId: string): Promise<void> {
    let job = await runner.get(`/v1/jobs/${jobId}`);
    for (const by = Date.now() + 15_000; job.state === 'running' && Date.now() < by; job = await runner.get(`/v1/jobs/${jobId}`)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.state).toBe('cancelled');
    expect(runnerJobAlive(jobId, job.executions)).toBe(false);
  }

  function runnerJobAlive(jobId: string, executions: number): boolean {
    return runner.executionPids(jobId, executions).some(isAlive);
  }
});

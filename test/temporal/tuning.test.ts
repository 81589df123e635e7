// Hyperparameter tuning end to end: the built-in trainer (jobs/tabular/train.py) as real processes on
// the breast-cancer example, 6 trials 2 at a time with median pruning; pruned trials' processes are
// gone, the best completed trial becomes the registered version (its params in lineage), GET
// /v1/pipelines/:id/trials shows every trial; cancelling a tuning pipeline stops every trial's job;
// a worker restart mid-tuning reattaches each trial to its job instead of starting another.
//
// Pipelines are started on the Temporal client with the model's stored template (tuning included),
// as POST /v1/pipelines builds the input, since that route does not forward `tuning` yet.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAlive } from '../../activities/compute/local-provider';
import { trialJobKey } from '../../activities/training-activities';
import { projectRoot } from '../../config/project-root';
import type { PipelineInput } from '../../contracts/model-pipeline-messages';
import { tuningSchema, type TuningConfig } from '../../core/tuning/search-space';
import { suggestTrialParams } from '../../core/tuning/trial-plan';
import { temporalCliPath } from '../../scripts/temporal-dev-server';
import { holdJob } from './job-hold';
import { exampleDataset, startHarness, testDatasetRoots, type Harness } from './pipeline-harness';

const model = 'bc-tuning';
let h: Harness;

const spec = JSON.parse(readFileSync(path.join(projectRoot, 'examples/breast-cancer/dataset-spec.json'), 'utf8'));
// Small batches make an epoch long enough that a pruned trial is stopped well before its end.
const params = { epochs: 30, batch_size: 16, patience: 0, hidden: [32], seed: 42 };
const baseTuning = { objective: 'val_loss', trials: 6, parallelism: 2, space: { lr: { type: 'logUniform', low: 1e-6, high: 0.03 } }, pruning: { startupTrials: 2, warmupSteps: 2 } };

beforeAll(async () => {
  h = await startHarness('tuning');
  const res = await h.request('POST', '/v1/models', {
    as: 'erin',
    body: { name: model, datasetSpec: spec, params, gate: { roc_auc: { threshold: 0.5, greater_is_better: true } }, tuning: baseTuning },
  });
  if (res.status !== 201) throw new Error(`POST /v1/models answered ${res.status}: ${JSON.stringify(res.body)}`);
}, 60_000);
afterAll(async () => h?.close());

async function startTuning(tuning: TuningConfig, extraParams: Record<string, unknown> = {}) {
  const { template, revision } = (await h.registry.getModel(model))!;
  const hex = Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  const input: PipelineInput = {
    pipelineId: `${model}-${hex}`,
    model,
    templateRevision: revision,
    datasetUri: await testDatasetRoots.resolve(exampleDataset),
    spec: template.datasetSpec,
    job: template.job,
    params: { ...template.params, ...extraParams },
    gate: template.gate,
    holdout: template.holdout,
    approvalTimeoutSeconds: template.approvalTimeoutSeconds,
    submittedBy: 'dave',
    tuning,
  };
  const handle = await h.client.workflow.start('modelPipeline', { taskQueue: h.taskQueue, workflowId: input.pipelineId, args: [input] });
  return { id: input.pipelineId, handle, runId: handle.firstExecutionRunId };
}

/** The local jobs started under an idempotency key with this prefix: id, key and pid. */
function jobsUnder(prefix: string): Array<{ id: string; key: string; pid: number }> {
  const dir = path.join(h.home, 'jobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    // A job directory gets its pid file just after its spec: one without it yet is not started.
    .filter((entry) => entry.startsWith('local-') && existsSync(path.join(dir, entry, 'pid')))
    .map((entry) => ({ id: entry, key: JSON.parse(readFileSync(path.join(dir, entry, 'spec.json'), 'utf8')).idempotencyKey as string, pid: Number(readFileSync(path.join(dir, entry, 'pid'), 'utf8')) }))
    .filter((job) => job.key.startsWith(prefix));
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const by = Date.now() + ms; isAlive(pid) && Date.now() < by; ) await new Promise((r) => setTimeout(r, 100));
  return !isAlive(pid);
}

/**
 * A seed whose trials 1, 2 and 4 have a learning rate that trains and trial 3 one that barely moves:
 * whichever of them have completed when trial 3 is judged, their median is far below its loss.
 */
function seedWithHopelessTrial(): TuningConfig {
  for (let seed = 1; ; seed++) {
    const tuning = tuningSchema.parse({ ...baseTuning, seed });
    const lrs = [1, 2, 3, 4, 5, 6].map((n) => suggestTrialParams(tuning, seed, n, []).lr as number);
    if (lrs[0]! > 3e-3 && lrs[1]! > 3e-3 && lrs[2]! < 3e-6 && lrs[3]! > 3e-3) return tuning;
  }
}

describe('tuning', () => {
  it('runs 6 trials 2 at a time, stops the pruned ones, and registers the best', async () => {
    const tuning = seedWithHopelessTrial();
    // Many epochs: a hopeless trial is judged a few epochs in and must still be running when its cancellation arrives.
    const epochs = 120;
    const { id, runId } = await startTuning(tuning, { epochs });
    const done = await h.waitForStage(id, ['awaiting_approval', 'failed'], 600_000);
    expect(done.stage, JSON.stringify(done.error)).toBe('awaiting_approval');

    const res = await h.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' });
    expect(res.status).toBe(200);
    const trials = res.body.trials as Array<{ n: number; state: string; params: { lr: number }; curve: Array<{ epoch: number; value: number }>; objective?: number; jobId?: string }>;
    expect(trials.map((t) => t.n).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(trials.every((t) => ['completed', 'pruned'].includes(t.state))).toBe(true);
    const pruned = trials.filter((t) => t.state === 'pruned');
    // The hopeless trial's loss stays near ln 2 while the others' fall far below it.
    expect(pruned.map((t) => t.n)).toContain(3);

    // One job per trial, under the trial's own key; every pruned trial's process is gone and marked cancelled.
    for (const trial of trials) {
      const jobs = jobsUnder(trialJobKey(id, runId, trial.n));
      expect(jobs.filter((j) => j.key === trialJobKey(id, runId, trial.n))).toHaveLength(1);
      if (trial.state === 'pruned') {
        expect(trial.curve.length).toBeGreaterThan(0);
        expect(trial.curve.at(-1)!.epoch).toBeLessThan(epochs);
        expect(await goneWithin(jobs[0]!.pid, 10_000)).toBe(true);
        expect(existsSync(path.join(h.home, 'jobs', jobs[0]!.id, 'cancelled'))).toBe(true);
      }
    }

    const completed = trials.filter((t) => t.state === 'completed');
    const best = completed.reduce((a, b) => (b.objective! < a.objective! ? b : a));
    expect(res.body.tuning).toMatchObject({ objective: 'val_loss', direction: 'minimize', best: best.n });
    expect(done.training!.jobId).toBe(best.jobId);
    const version = await h.registry.getVersion(model, done.version!);
    expect(version!.lineage.params).toEqual({ ...params, epochs, lr: best.params.lr });
    expect(version!.lineage.computeJobId).toBe(best.jobId);
    await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });

    // Refreshes the committed tuning history that the replay test checks new workflow code against
    // (WINDSOCK_RECORD_HISTORY names a directory, as in pipeline-approval.test.ts).
    if (process.env.WINDSOCK_RECORD_HISTORY) {
      await h.waitForStage(id, ['rejected']);
      const history = execFileSync(temporalCliPath(), ['workflow', 'show', '-w', id, '--address', inject('temporalAddress'), '-o', 'json']);
      writeFileSync(`${process.env.WINDSOCK_RECORD_HISTORY}/model-pipeline-tuning-rejected.history.json`, history);
    }
  }, 720_000);

  it('cancelling a tuning pipeline stops every running trial', async () => {
    const hold = holdJob(2);
    const { id, runId } = await startTuning(tuningSchema.parse({ ...baseTuning, trials: 4, pruning: false, seed: 9 }), hold.params);
    const deadline = Date.now() + 120_000;
    let running: ReturnType<typeof jobsUnder> = [];
    while (Date.now() < deadline) {
      const trials = (await h.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' })).body?.trials ?? [];
      running = jobsUnder(`${id}:${runId}:`);
      if (trials.filter((t: { curve: unknown[] }) => t.curve.length > 0).length === 2 && running.length === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(running).toHaveLength(2);
    expect(running.every((j) => isAlive(j.pid))).toBe(true);

    expect((await h.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'dave' })).status).toBe(202);
    const done = await h.waitForStage(id, ['cancelled', 'failed'], 60_000);
    expect(done.stage).toBe('cancelled');
    for (const job of running) expect(await goneWithin(job.pid, 10_000)).toBe(true);
    const trials = (await h.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' })).body.trials;
    expect(trials.map((t: { state: string }) => t.state)).toEqual(['cancelled', 'cancelled']);
    // No trial beyond the two that ran was started.
    expect(jobsUnder(`${id}:${runId}:`)).toHaveLength(2);
  }, 240_000);

  it('a worker restart mid-tuning reattaches every trial to its job', async () => {
    const hold = holdJob(2);
    const { id, runId } = await startTuning(tuningSchema.parse({ ...baseTuning, trials: 2, pruning: false, seed: 11 }), hold.params);
    // Both trials held after epoch 2 (their curves are sampled by polling: epoch 1 may be missing).
    const deadline = Date.now() + 120_000;
    let held = 0;
    while (held < 2 && Date.now() < deadline) {
      const trials = (await h.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' })).body?.trials ?? [];
      held = trials.filter((t: { curve: Array<{ epoch: number }> }) => (t.curve.at(-1)?.epoch ?? 0) >= 2).length;
      if (held < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(held).toBe(2);
    const before = jobsUnder(`${id}:${runId}:`);
    expect(before).toHaveLength(2);
    await h.restartWorker();
    hold.release();

    const done = await h.waitForStage(id, ['awaiting_approval', 'failed'], 240_000);
    expect(done.stage, JSON.stringify(done.error)).toBe('awaiting_approval');
    const after = jobsUnder(`${id}:${runId}:`);
    expect(after.map((j) => j.id).sort()).toEqual(before.map((j) => j.id).sort());
    const trials = (await h.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' })).body.trials;
    expect(trials.map((t: { state: string }) => t.state)).toEqual(['completed', 'completed']);
    expect(trials.map((t: { jobId: string }) => t.jobId).sort()).toEqual(before.map((j) => j.id).sort());
    await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });
  }, 360_000);
});

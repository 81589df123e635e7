// modelPipeline with tuning on stub activities: trials run `parallelism` at a time as training
// activities of their own, report their curves through the real progress reporter (signals), the
// median pruner cancels the worst (their activities see the cancellation), the best completed trial
// becomes the registered version with its params in lineage, and cancelling the pipeline cancels
// every running trial.
import { CancelledFailure, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialProgressReporter } from '../../../activities/trial-progress-reporter';
import type { TrainModelInput } from '../../../activities/training-activities';
import { statusQuery } from '../../../contracts/model-pipeline-messages';
import { tuningSchema, type TuningConfig } from '../../../core/tuning/search-space';
import { suggestTrialParams } from '../../../core/tuning/trial-plan';
import { pipelineStubs, startPipeline, type PipelineStubs } from './pipeline-stubs';
import { startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

const EPOCHS = 20;
const cancelledTrials: Array<{ pipelineId: string; trial: number }> = [];

/** A trial's validation loss: its `lr` plus a term that shrinks with the epochs, so a worse lr stays worse. */
const lossAt = (lr: number, epoch: number) => lr + 1 / epoch;

async function trainTrial(input: TrainModelInput) {
  const ctx = Context.current();
  const jobId = `job-${input.pipelineId}-${input.trial}`;
  const reporter = trialProgressReporter(ctx, { ...input.trialReporting!, everySeconds: 0 });
  const lr = input.params.lr as number;
  if (input.params.fail === true) throw ApplicationFailure.nonRetryable('the job exited with code 1', 'job_failed');
  try {
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      ctx.heartbeat({ jobId, jobs: 1 });
      await reporter.observe({ jobId, state: 'running', progress: { epoch, epochs: EPOCHS, val_loss: lossAt(lr, epoch) } });
      // A held trial runs until it is cancelled.
      await ctx.sleep(input.params.hold === true && epoch === 2 ? 600_000 : ((input.params.epochMs as number | undefined) ?? 150));
    }
  } catch (err) {
    if (err instanceof CancelledFailure) cancelledTrials.push({ pipelineId: input.pipelineId, trial: input.trial! });
    throw err;
  }
  await reporter.flush();
  return {
    provider: 'stub',
    jobId,
    modelUri: `file:///blobs/${input.pipelineId}/trial-${input.trial}/model.onnx`,
    modelSha256: 'a'.repeat(64),
    logsUri: `file:///blobs/${input.pipelineId}/trial-${input.trial}/job.log`,
    jobMetrics: { val_loss: lossAt(lr, EPOCHS) },
    seconds: 1,
    jobs: 1,
  };
}

let w: StubWorker;
let p: PipelineStubs;
beforeAll(async () => {
  p = pipelineStubs();
  const plain = p.stubs.trainModel!;
  w = await startStubWorker('pipeline-tuning', { ...p.stubs, trainModel: async (input) => (input.trial !== undefined ? trainTrial(input) : plain(input)) });
});
afterAll(async () => w?.close());

const baseTuning = { objective: 'val_loss', trials: 6, parallelism: 2, space: { lr: { type: 'uniform', low: 0, high: 1 } }, pruning: { startupTrials: 2, warmupSteps: 2 } };

/** A seed whose first two trials (which run unpruned) have the lowest lr, and at least two later ones a much larger one. */
function seedWithPrunableTrials(): { tuning: TuningConfig; lrs: number[] } {
  for (let seed = 1; ; seed++) {
    const tuning = tuningSchema.parse({ ...baseTuning, seed });
    const lrs = [1, 2, 3, 4, 5, 6].map((n) => suggestTrialParams(tuning, seed, n, []).lr as number);
    const firstTwo = Math.max(lrs[0]!, lrs[1]!);
    if (lrs.slice(2).every((lr) => lr > firstTwo) && lrs.slice(2).filter((lr) => lr > firstTwo + 0.2).length >= 2) return { tuning, lrs };
  }
}

describe('modelPipeline tuning', () => {
  it('runs every trial once, prunes the worst, and registers the best with its params', async () => {
    const { tuning, lrs } = seedWithPrunableTrials();
    const { handle, id } = await startPipeline(w, { tuning, params: { epochs: 20, seed: 7 } });
    const status = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => ['awaiting_approval', 'failed'].includes(s.stage), 60_000);
    expect(status.stage).toBe('awaiting_approval');

    const calls = w.log.inputs(id, 'trainModel');
    expect(calls.map((c) => c.trial).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(calls.every((c) => c.params.epochs === 20 && c.params.seed === 7)).toBe(true);
    expect(status.trials).toHaveLength(6);
    for (const trial of status.trials!) {
      expect(trial.params.lr).toBeCloseTo(lrs[trial.n - 1]!, 12);
      expect(['completed', 'pruned']).toContain(trial.state);
    }
    const [first, second] = status.trials!.filter((t) => t.n <= 2);
    expect(first!.state).toBe('completed');
    expect(second!.state).toBe('completed');
    expect(first!.curve.map((pt) => pt.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));

    // A trial whose lr is far above both unpruned ones' is worse than their median at every epoch.
    const states = status.trials!.map((t) => `${t.n}:${t.state}:${t.curve.length}`).join(' ');
    const farWorse = status.trials!.filter((t) => t.n > 2 && (t.params.lr as number) > Math.max(lrs[0]!, lrs[1]!) + 0.2);
    expect(farWorse.length).toBeGreaterThanOrEqual(2);
    for (const trial of farWorse) {
      expect(`${trial.n}:${trial.state}`, states).toBe(`${trial.n}:pruned`);
      expect(trial.reason).toMatch(/worse than the completed trials' median/);
      expect(trial.curve.length).toBeLessThan(EPOCHS);
      expect(cancelledTrials).toContainEqual({ pipelineId: id, trial: trial.n });
    }

    const completed = status.trials!.filter((t) => t.state === 'completed');
    const best = completed.reduce((a, b) => (b.objective! < a.objective! ? b : a));
    expect(status.tuning).toMatchObject({ objective: 'val_loss', direction: 'minimize', best: best.n, pruning: true });
    expect(status.training?.jobId).toBe(`job-${id}-${best.n}`);
    const [registered] = w.log.inputs(id, 'registerVersion');
    expect(registered!.lineage.params).toEqual({ epochs: 20, seed: 7, lr: best.params.lr });
    expect(registered!.artifactUri).toBe(`file:///blobs/${id}/trial-${best.n}/model.onnx`);
  });

  it('samples later TPE trials from the trials completed before them', async () => {
    const tuning = tuningSchema.parse({ ...baseTuning, parallelism: 1, strategy: 'tpe', pruning: false, seed: 21 });
    const { handle } = await startPipeline(w, { tuning, params: { epochMs: 5 } });
    const status = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => ['awaiting_approval', 'failed'].includes(s.stage), 60_000);
    expect(status.stage).toBe('awaiting_approval');
    // One at a time: trial n saw exactly trials 1..n-1 completed, so the core gives the same params again.
    const trials = status.trials!;
    for (const trial of trials) {
      const before = trials.filter((t) => t.n < trial.n).map((t) => ({ params: t.params, objective: t.objective! }));
      expect(trial.params).toEqual(suggestTrialParams(tuning, 21, trial.n, before));
    }
    expect(status.tuning!.best).toBe(trials.reduce((a, b) => (b.objective! < a.objective! ? b : a)).n);
  });

  it('cancelling the pipeline cancels every running trial', async () => {
    const tuning = tuningSchema.parse({ ...baseTuning, seed: 3, pruning: false });
    const { handle, id } = await startPipeline(w, { tuning, params: { hold: true } });
    await waitUntil('two trials run', () => handle.query(statusQuery), (s) => (s.trials ?? []).filter((t) => t.curve.length >= 2).length === 2);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('cancelled');
    expect(status.trials!.map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
    expect(cancelledTrials.filter((c) => c.pipelineId === id).map((c) => c.trial).sort()).toEqual([1, 2]);
    expect(w.log.sequence(id)).toEqual(['validateDataset', 'trainModel', 'trainModel', 'stopTrainingJobs']);
  });

  it('fails the pipeline with the trials\' reasons when no trial completes', async () => {
    const tuning = tuningSchema.parse({ ...baseTuning, trials: 2, parallelism: 1, seed: 5, pruning: false });
    const { handle, id } = await startPipeline(w, { tuning, params: { fail: true } });
    await expect(handle.result()).rejects.toThrow();
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('failed');
    expect(status.error).toEqual({ code: 'tuning_failed', message: expect.stringMatching(/^no tuning trial completed: trial 1: the job exited with code 1; trial 2: /) });
    expect(status.trials!.map((t) => t.state)).toEqual(['failed', 'failed']);
    expect(w.log.inputs(id, 'registerVersion')).toEqual([]);
  });
});

// modelPipeline's cross-validation on stub activities: the folds' trainings under their own run ids,
// at most `parallelism` at a time, their scores summarized into cv_* metrics that the gate sees and the
// version's lineage keeps; a fold whose training fails fails the pipeline naming the fold, after every
// fold's jobs are stopped; a pipeline without crossValidation calls none of it.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../core/evaluation/metric-gate';
import { finalStages, statusQuery } from '../../../contracts/model-pipeline-messages';
import { pipelineStubs, startPipeline } from './pipeline-stubs';
import { startStubWorker, type StubActivities, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

/** A fold's accuracy: fold k scores 0.9 + k/100 (the mean of 4 folds is 0.925). */
const foldAccuracy = (fold: number) => 0.9 + fold / 100;
const foldOf = (uri: string) => Number(/fold-(\d+)/.exec(uri)?.[1] ?? /-cv-(\d+)/.exec(uri)?.[1]);

let w: StubWorker;
/** Fold trainings running now, per pipeline, and the most seen at once. */
const running = new Map<string, number>();
const mostAtOnce = new Map<string, number>();

beforeAll(async () => {
  const base = pipelineStubs().stubs;
  const stubs: StubActivities = {
    ...base,
    async prepareCrossValidationFolds(input) {
      return {
        folds: Array.from({ length: input.folds }, (_, i) => ({
          fold: i + 1,
          trainUri: `file:///blobs/cv/fold-${i + 1}/train.csv`,
          validationUri: `file:///blobs/cv/fold-${i + 1}/validation.csv`,
          trainRows: 300,
          validationRows: 150 + (i === 0 ? 1 : 0),
        })),
      };
    },
    async trainModel(input) {
      const fold = /-cv-(\d+)$/.exec(input.runId)?.[1];
      if (fold === undefined) return base.trainModel!(input);
      if (input.params.failFold === Number(fold)) throw ApplicationFailure.nonRetryable('the job ran out of memory', 'job_failed');
      const now = (running.get(input.pipelineId) ?? 0) + 1;
      running.set(input.pipelineId, now);
      mostAtOnce.set(input.pipelineId, Math.max(now, mostAtOnce.get(input.pipelineId) ?? 0));
      try {
        // With parallelism 2, a fold waits for a second one to be running: proof they overlap, not a timing.
        const wanted = Number(input.params.together ?? 1);
        for (const by = Date.now() + 15_000; (mostAtOnce.get(input.pipelineId) ?? 0) < wanted; ) {
          if (Date.now() > by) throw ApplicationFailure.nonRetryable(`no ${wanted} fold trainings ran at once`, 'test');
          Context.current().heartbeat();
          await Context.current().sleep(50);
        }
        return { ...(await base.trainModel!(input)), jobId: `job-${input.pipelineId}-cv-${fold}`, modelUri: `file:///blobs/${input.runId}/model.onnx` };
      } finally {
        running.set(input.pipelineId, (running.get(input.pipelineId) ?? 1) - 1);
      }
    },
    async scoreCrossValidationFold(input) {
      const fold = foldOf(input.validationUri);
      expect(foldOf(input.modelUri)).toBe(fold);
      return { metrics: { accuracy: foldAccuracy(fold), roc_auc: null, support: 150 } };
    },
    async evaluateModel(input) {
      const evaluated = await base.evaluateModel!(input);
      const metrics = { ...evaluated.metrics, ...input.crossValidationMetrics };
      return { ...evaluated, metrics, gate: evaluateGate(input.gate, metrics, evaluated.champion?.metrics) };
    },
  };
  w = await startStubWorker('pipeline-cross-validation', stubs);
});
afterAll(async () => w?.close());

const gate = { cv_accuracy_mean: { threshold: 0.91, greater_is_better: true } };

describe.concurrent('modelPipeline cross-validation', () => {
  it('trains each fold under its own run id, two at a time, and gates on the folds mean', async () => {
    const { handle, id } = await startPipeline(w, { gate, params: { epochs: 3, together: 2 }, evaluation: { crossValidation: { folds: 4, parallelism: 2 } } });
    const status = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => s.stage === 'awaiting_approval' || finalStages.has(s.stage));
    expect(status.stage, JSON.stringify(status.error)).toBe('awaiting_approval');
    const runId = handle.firstExecutionRunId;

    const trainings = w.log.inputs(id, 'trainModel');
    expect(trainings.map((t) => t.runId).sort()).toEqual([runId, `${runId}-cv-1`, `${runId}-cv-2`, `${runId}-cv-3`, `${runId}-cv-4`]);
    expect(trainings.filter((t) => t.runId !== runId).map((t) => t.trainUri).sort()).toEqual([1, 2, 3, 4].map((k) => `file:///blobs/cv/fold-${k}/train.csv`));
    expect(mostAtOnce.get(id)).toBe(2);
    expect(w.log.inputs(id, 'prepareCrossValidationFolds')).toEqual([{ trainUri: `file:///blobs/${id}/train.csv`, spec: expect.any(Object), folds: 4, stratified: true, seed: 42 }]);

    const cv = status.crossValidation!;
    expect(cv).toMatchObject({ folds: 4, stratified: true, seed: 42, foldsDone: 4, validationRows: [151, 150, 150, 150] });
    expect(cv.metrics.accuracy!.values).toEqual([1, 2, 3, 4].map(foldAccuracy));
    expect(cv.metrics.accuracy!.mean).toBeCloseTo(0.925, 12);
    expect(cv.metrics.roc_auc).toEqual({ mean: null, std: null, values: [null, null, null, null] });
    expect(status.metrics!.cv_accuracy_mean).toBe(cv.metrics.accuracy!.mean);
    expect(status.gate!.passed).toBe(true);
    const [registered] = w.log.inputs(id, 'registerVersion');
    expect(registered!.metrics.cv_accuracy_std).toBe(cv.metrics.accuracy!.std);
    const { foldsDone: _progress, ...kept } = cv;
    expect(registered!.lineage.crossValidation).toEqual(kept);
  });

  it('fails naming the fold whose training failed, and stops every fold job', async () => {
    const { handle, id } = await startPipeline(w, { gate, params: { epochs: 3, failFold: 2 }, evaluation: { crossValidation: { folds: 3 } } });
    const status = await waitUntil('the pipeline ends', () => handle.query(statusQuery), (s) => finalStages.has(s.stage));
    expect(status.stage).toBe('failed');
    expect(status.error).toEqual({ code: 'job_failed', message: 'cross-validation fold 2 of 3: the job ran out of memory' });
    const runId = handle.firstExecutionRunId;
    expect(w.log.inputs(id, 'stopTrainingJobs').map((s) => s.runId).sort()).toEqual([1, 2, 3].map((k) => `${runId}-cv-${k}`));
    expect(w.log.inputs(id, 'evaluateModel')).toEqual([]);
    expect(status.crossValidation!.foldsDone).toBe(1);
  });

  it('calls none of it without crossValidation', async () => {
    const { handle, id } = await startPipeline(w);
    const status = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => s.stage === 'awaiting_approval' || finalStages.has(s.stage));
    expect(status.stage).toBe('awaiting_approval');
    expect(status.crossValidation).toBeUndefined();
    expect(w.log.sequence(id)).toEqual(['validateDataset', 'trainModel', 'evaluateModel', 'registerVersion', 'requestApproval']);
    expect(w.log.inputs(id, 'evaluateModel')[0]).not.toHaveProperty('crossValidationMetrics');
  });
});

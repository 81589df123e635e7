// The evaluating stage's k-fold cross-validation (template `evaluation.crossValidation`): the training
// split cut into folds, one training job per fold on the pipeline's compute through trainModel (each
// under its own key, so a retry reattaches to its fold's job), each fold model scored on its validation
// rows, and each metric's mean and standard deviation over the folds, as `cv_<metric>_mean|std`.
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { PipelineInput, PipelineStatus } from '../contracts/model-pipeline-messages';
import { flatCrossValidationMetrics, summarizeFolds, type CrossValidationRecord } from '../core/evaluation/cross-validation';

type Activities = activities.Activities;

const data = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3 },
});

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

/**
 * The run id a fold's training goes under: trainModel keys its job, checkpoints and model blob by it,
 * so each fold has a job of its own, distinct from the pipeline's model and from the other folds.
 */
export function foldRunId(runId: string, fold: number): string {
  return `${runId}-cv-${fold}`;
}

/**
 * Cross-validates the pipeline's model on its training split; fills `status.crossValidation` as folds
 * finish and returns the flat `cv_*` metrics for the gate. Folds run `parallelism` at a time (1 by
 * default: the pipeline's compute runs one job at a time unless it says otherwise). A fold that fails
 * fails the pipeline, naming the fold, after the other folds' jobs are stopped.
 */
export async function crossValidate(
  input: PipelineInput,
  runId: string,
  trainUri: string,
  status: PipelineStatus,
): Promise<Record<string, number | null>> {
  const options = input.evaluation!.crossValidation!;
  const folds = options.folds;
  const stratified = options.stratified ?? true;
  const parallelism = Math.min(options.parallelism ?? 1, folds);
  // The holdout's seed: one number decides the pipeline's rows, so a rerun on the same data repeats it.
  const seed = input.holdout.seed;
  const record: NonNullable<PipelineStatus['crossValidation']> = { folds, stratified, seed, foldsDone: 0, metrics: {} };
  status.crossValidation = record;

  const { trainModel } = proxyActivities<Activities>({
    startToCloseTimeout: `${input.job.deadlineSeconds + 600} seconds`,
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1 second' },
  });

  const prepared = await data.prepareCrossValidationFolds({ trainUri, spec: input.spec, folds, stratified, seed });
  record.validationRows = prepared.folds.map((f) => f.validationRows);
  const foldMetrics: Array<Record<string, number | null>> = new Array(folds);
  const jobIds: string[] = new Array<string>(folds).fill('');

  const runFold = async (fold: (typeof prepared.folds)[number]) => {
    try {
      const trained = await trainModel({
        pipelineId: input.pipelineId,
        runId: foldRunId(runId, fold.fold),
        model: input.model,
        job: input.job,
        params: input.params,
        spec: input.spec,
        trainUri: fold.trainUri,
      });
      jobIds[fold.fold - 1] = trained.jobId;
      const scored = await data.scoreCrossValidationFold({ modelUri: trained.modelUri, validationUri: fold.validationUri, spec: input.spec });
      foldMetrics[fold.fold - 1] = scored.metrics;
      record.foldsDone++;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      throw ApplicationFailure.create({
        type: cause instanceof ApplicationFailure ? (cause.type ?? 'job_failed') : 'job_failed',
        message: `cross-validation fold ${fold.fold} of ${folds}: ${cause instanceof Error ? cause.message : String(cause)}`,
        nonRetryable: true,
      });
    }
  };

  // A small pool: each lane takes the next fold until none is left, so at most `parallelism` jobs run.
  // The first failure cancels the other lanes (their jobs are stopped below) and is what is thrown.
  let next = 0;
  let failure: unknown;
  const lanes = new CancellationScope();
  await lanes.run(() =>
    Promise.all(
      Array.from({ length: parallelism }, async () => {
        try {
          while (next < prepared.folds.length) await runFold(prepared.folds[next++]!);
        } catch (err) {
          if (failure === undefined) {
            failure = err;
            lanes.cancel();
          }
        }
      }),
    ),
  );
  if (failure !== undefined) {
    // A fold's job can outlive its activity (attempts used up, the pipeline cancelled): stop them all.
    await CancellationScope.nonCancellable(() =>
      Promise.all(prepared.folds.map((f) => quick.stopTrainingJobs({ pipelineId: input.pipelineId, runId: foldRunId(runId, f.fold), job: input.job }))),
    ).catch(() => undefined);
    throw failure;
  }

  record.metrics = summarizeFolds(foldMetrics);
  record.jobIds = jobIds;
  return flatCrossValidationMetrics(record.metrics);
}

/** What the version's lineage keeps of a finished cross-validation: the status's record without its progress. */
export function crossValidationRecord({ foldsDone: _done, ...record }: NonNullable<PipelineStatus['crossValidation']>): CrossValidationRecord {
  return record;
}

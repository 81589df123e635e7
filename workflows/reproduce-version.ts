// reproduceVersion: train a registered version again from what it recorded (code snapshot, job spec,
// params and seed, the same train split, the same compute profile), evaluate the result on the same
// holdout with the pipeline's evaluator, and compare. It registers nothing and moves no alias.
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import { reproductionStatusQuery, type ReproduceInput, type ReproductionStatus } from '../contracts/reproduction-messages';

type Activities = activities.Activities;

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

// Checking digests, laying out the code, scoring two models: bounded by the dataset's size.
const data = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3 },
});

export async function reproduceVersion(input: ReproduceInput): Promise<ReproductionStatus> {
  const { runId } = workflowInfo();
  const status: ReproductionStatus = {
    reproductionId: input.reproductionId,
    model: input.model,
    version: input.version,
    requestedBy: input.requestedBy,
    state: 'running',
    stage: 'checking',
    tolerance: input.tolerance,
  };
  setHandler(reproductionStatusQuery, () => status);
  const audit = (event: string, details: Record<string, unknown>, actor = 'windsock') =>
    quick.recordPipelineEvent({
      dedupeKey: `${runId}:${event}`,
      actor,
      event,
      modelName: input.model,
      version: input.version,
      details: { reproductionId: input.reproductionId, ...details },
    });

  try {
    await audit('version.reproduction_started', { tolerance: input.tolerance }, input.requestedBy);
    const prepared = await data.prepareReproduction({ model: input.model, version: input.version });
    status.codeVersion = prepared.codeVersion;
    status.seed = prepared.seed;

    status.stage = 'training';
    const trained = await train(input, runId, prepared);
    status.training = { provider: trained.provider, jobId: trained.jobId, seconds: trained.seconds, modelSha256: trained.modelSha256 };
    const ranCode = trained.reproducibility?.code?.digest;
    if (ranCode !== prepared.codeVersion) {
      throw ApplicationFailure.create({ type: 'conflict', message: `the code the reproduction ran hashes to ${ranCode ? `sha256:${ranCode}` : 'nothing'}, not the recorded sha256:${prepared.codeVersion}`, nonRetryable: true });
    }

    status.stage = 'evaluating';
    const evaluation = await data.evaluateModel({
      model: input.model,
      modelUri: trained.modelUri,
      trainUri: prepared.trainUri,
      holdoutUri: prepared.holdoutUri,
      spec: prepared.spec,
      gate: prepared.gate,
    });

    status.stage = 'comparing';
    const comparison = await data.compareReproduction({
      originalModelUri: prepared.originalModelUri,
      reproducedModelUri: trained.modelUri,
      holdoutUri: prepared.holdoutUri,
      spec: prepared.spec,
      originalMetrics: prepared.originalMetrics,
      reproducedMetrics: evaluation.metrics,
      tolerance: input.tolerance,
    });
    Object.assign(status, comparison, { identicalArtifact: trained.modelSha256 === prepared.originalModelSha256 });
    status.stage = 'done';
    status.state = 'succeeded';
    const summary = {
      reproduced: comparison.reproduced,
      maxAbsDelta: comparison.maxAbsDelta,
      metricsMaxAbsDelta: comparison.metricsMaxAbsDelta,
      probabilitiesMaxAbsDelta: comparison.probabilitiesMaxAbsDelta,
      tolerance: input.tolerance,
      codeVersion: prepared.codeVersion,
      identicalArtifact: status.identicalArtifact,
    };
    await audit(comparison.reproduced ? 'version.reproduced' : 'version.reproduction_failed', comparison.reproduced ? summary : { ...summary, differences: comparison.differences.slice(0, 20) });
    return status;
  } catch (err) {
    if (isCancellation(err)) {
      status.state = 'failed';
      status.error = { code: 'cancelled', message: 'the reproduction was cancelled' };
      await CancellationScope.nonCancellable(() => audit('version.reproduction_failed', { error: status.error }));
      throw err;
    }
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const code = cause instanceof ApplicationFailure ? (cause.type ?? 'failed') : 'failed';
    const message = cause instanceof Error ? cause.message : String(cause);
    status.state = 'failed';
    status.error = { code, message };
    await audit('version.reproduction_failed', { stage: status.stage, error: status.error });
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
  }
}

/** The recorded training, run again under the reproduction's id; a job left behind by a failure is stopped. */
async function train(input: ReproduceInput, runId: string, prepared: Awaited<ReturnType<Activities['prepareReproduction']>>) {
  const { trainModel } = proxyActivities<Activities>({
    startToCloseTimeout: `${prepared.job.deadlineSeconds + 600} seconds`,
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1 second' },
  });
  try {
    return await trainModel({
      pipelineId: input.reproductionId,
      runId,
      model: input.model,
      job: prepared.job,
      params: prepared.params,
      spec: prepared.spec,
      trainUri: prepared.trainUri,
      // Given the holdout, the training records again; its code digest, taken from the laid-out
      // snapshot, must be the version's.
      holdoutUri: prepared.holdoutUri,
      codeRoot: prepared.codeRoot,
    });
  } catch (err) {
    await CancellationScope.nonCancellable(() => quick.stopTrainingJobs({ pipelineId: input.reproductionId, runId, job: prepared.job })).catch(() => undefined);
    throw err;
  }
}

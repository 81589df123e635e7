// modelPipeline: dataset -> validate -> train -> evaluate -> register -> human approval -> champion.
// Deterministic: activities are imported as types only; time comes from activities and timers.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  ActivityFailure,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import {
  approveSignal,
  approveUpdate,
  pipelineSearchAttributes,
  rejectSignal,
  rejectUpdate,
  statusQuery,
  type DecisionInput,
  type PipelineInput,
  type PipelineStatus,
  type Stage,
} from '../contracts/model-pipeline-messages';
import { canaryRollout } from './canary-rollout';
import { crossValidate, crossValidationRecord } from './cross-validation';
import { notifyInBackground } from './deliver-notification';
import { runTuning } from './tuning-trials';
import { rolloutWorkflowId } from '../contracts/canary-rollout-messages';

type Activities = activities.Activities;

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

const data = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3 },
});

const DAY_SECONDS = 24 * 3600;

export async function modelPipeline(input: PipelineInput): Promise<PipelineStatus> {
  const { runId } = workflowInfo();
  const status: PipelineStatus = {
    pipelineId: input.pipelineId,
    model: input.model,
    ...(input.templateRevision !== undefined ? { templateRevision: input.templateRevision } : {}),
    stage: 'validating',
    submittedBy: input.submittedBy,
    plan: { gate: input.gate, rollout: input.rollout ?? null, ...(input.loosened?.length ? { loosened: input.loosened } : {}) },
    ...(input.retrain ? { retrain: input.retrain } : {}),
  };
  let decision: { kind: 'approved' | 'rejected'; principal: string; comment: string } | undefined;

  setHandler(statusQuery, () => status);
  const decide = (kind: 'approved' | 'rejected') => (msg: DecisionInput) => {
    if (status.stage !== 'awaiting_approval' || decision) return;
    if (kind === 'approved' && msg.principal === input.submittedBy) {
      status.approval?.refused.push({ principal: msg.principal, reason: 'the submitter of a pipeline may not approve it (four-eyes)' });
      return;
    }
    decision = { kind, principal: msg.principal, comment: msg.comment ?? '' };
  };
  setHandler(approveSignal, decide('approved'));
  setHandler(rejectSignal, decide('rejected'));
  const validDecision = (kind: 'approved' | 'rejected') => (msg: DecisionInput) => {
    if (status.stage !== 'awaiting_approval' || decision) {
      throw ApplicationFailure.create({ type: 'conflict', message: `pipeline '${input.pipelineId}' is ${decision ? `already ${decision.kind}` : status.stage}; a decision is possible only while it is awaiting_approval`, nonRetryable: true });
    }
    if (kind === 'approved' && msg.principal === input.submittedBy) {
      throw ApplicationFailure.create({ type: 'forbidden', message: `${msg.principal} submitted pipeline '${input.pipelineId}' and may not approve it; another approver must (four-eyes)`, nonRetryable: true });
    }
  };
  const decideNow = (kind: 'approved' | 'rejected') => (msg: DecisionInput): { accepted: true } => {
    decision = { kind, principal: msg.principal, comment: msg.comment ?? '' };
    return { accepted: true };
  };
  setHandler(approveUpdate, decideNow('approved'), { validator: validDecision('approved') });
  setHandler(rejectUpdate, decideNow('rejected'), { validator: validDecision('rejected') });

  const audit = (event: string, details: Record<string, unknown> = {}, actor = 'windsock') =>
    quick.recordPipelineEvent({
      dedupeKey: `${runId}:${event}`,
      actor,
      event,
      modelName: input.model,
      version: status.version,
      pipelineId: input.pipelineId,
      details,
    });
  // Model, stage and submitter as search attributes, for GET /v1/pipelines. Histories recorded before
  // them have no upserts: the patch keeps those replaying as they ran.
  const searchable = patched('search-attributes');
  if (searchable) {
    upsertSearchAttributes([
      { key: pipelineSearchAttributes.model, value: input.model },
      { key: pipelineSearchAttributes.submittedBy, value: input.submittedBy },
      { key: pipelineSearchAttributes.stage, value: status.stage },
    ]);
  }
  const enter = async (stage: Stage, details: Record<string, unknown> = {}) => {
    if (searchable && stage !== status.stage) upsertSearchAttributes([{ key: pipelineSearchAttributes.stage, value: stage }]);
    status.stage = stage;
    await audit(`pipeline.${stage}`, details);
  };

  try {
    await audit('pipeline.started', { datasetUri: input.datasetUri, params: input.params, job: input.job, ...(input.loosened?.length ? { loosened: input.loosened } : {}) }, input.submittedBy);
    await enter('validating');
    const dataset = await data.validateDataset({
      pipelineId: input.pipelineId,
      datasetUri: input.datasetUri,
      spec: input.spec,
      holdout: input.holdout,
    });
    status.dataset = {
      sha256: dataset.sha256,
      rowCount: dataset.rowCount,
      trainRows: dataset.trainRows,
      holdoutRows: dataset.holdoutRows,
      warnings: dataset.warnings,
    };

    await enter('training');
    const { trainModel } = proxyActivities<Activities>({
      // The deadline itself is enforced by the activity, which stops the job; this is the backstop.
      startToCloseTimeout: `${input.job.deadlineSeconds + 600} seconds`,
      heartbeatTimeout: '10 seconds',
      retry: { maximumAttempts: 5, initialInterval: '1 second' },
    });
    let trained: Awaited<ReturnType<typeof trainModel>>;
    let tunedParams: Record<string, unknown> | undefined;
    try {
      // A tuning pipeline trains its trials instead and keeps the best; the others take the path they always took.
      const tuned = input.tuning ? await runTuning(input, runId, dataset.trainUri, dataset.holdoutUri, status) : undefined;
      tunedParams = tuned?.params;
      trained = tuned ? tuned.trained : await trainModel({
        pipelineId: input.pipelineId,
        runId,
        model: input.model,
        job: input.job,
        params: input.params,
        spec: input.spec,
        trainUri: dataset.trainUri,
        holdoutUri: dataset.holdoutUri,
      });
    } catch (err) {
      // The job can outlive the activity (cancelled between attempts, attempts used up): stop it.
      await CancellationScope.nonCancellable(() => quick.stopTrainingJobs({ pipelineId: input.pipelineId, runId, job: input.job })).catch(() => undefined);
      throw err;
    }
    status.training = {
      provider: trained.provider,
      jobId: trained.jobId,
      seconds: trained.seconds,
      metrics: trained.jobMetrics,
      ...(trained.jobs > 1 ? { jobs: trained.jobs } : {}),
      ...(trained.costUsd !== undefined ? { gpuSeconds: trained.gpuSeconds, costUsd: trained.costUsd } : {}),
    };

    await enter('evaluating');
    // Only pipelines whose template asks for it cross-validate (the others take the path they always
    // took), with the params the model trained with: a tuning pipeline's are its best trial's.
    const crossValidationMetrics = input.evaluation?.crossValidation ? await crossValidate({ ...input, params: tunedParams ?? input.params }, runId, dataset.trainUri, status) : undefined;
    const evaluation = await data.evaluateModel({
      model: input.model,
      modelUri: trained.modelUri,
      trainUri: dataset.trainUri,
      holdoutUri: dataset.holdoutUri,
      spec: input.spec,
      gate: input.gate,
      ...(crossValidationMetrics ? { crossValidationMetrics } : {}),
    });
    status.metrics = evaluation.metrics;
    if (evaluation.fairness) status.fairness = evaluation.fairness;
    status.champion = evaluation.champion;
    status.gate = evaluation.gate;
    if (!evaluation.gate.passed) {
      const failed = evaluation.gate.checks.filter((c) => !c.passed).map((c) => c.message);
      if (input.retrain) {
        // A challenger that is not better changes nothing: no version, nothing at the edge.
        status.notBetter = { challenger: evaluation.metrics, champion: evaluation.champion, failedChecks: failed };
        await enter('not_better', { failedChecks: failed, champion: evaluation.champion?.version ?? null });
        return status;
      }
      throw ApplicationFailure.create({ type: 'gate_failed', message: `metric gate failed: ${failed.join('; ')}`, nonRetryable: true });
    }

    await enter('registering');
    const registered = await quick.registerVersion({
      modelName: input.model,
      artifactUri: trained.modelUri,
      artifactSha256: trained.modelSha256,
      signature: evaluation.signature,
      metrics: evaluation.metrics,
      confusionMatrix: evaluation.confusionMatrix,
      classMetrics: evaluation.classMetrics,
      fairness: evaluation.fairness ?? null,
      gate: { spec: input.gate, result: evaluation.gate, champion: evaluation.champion ?? null },
      referenceProfile: evaluation.referenceProfile,
      lineage: {
        datasetUri: input.datasetUri,
        ...(input.templateRevision !== undefined ? { templateRevision: input.templateRevision } : {}),
        ...(input.retrain?.datasetLocation ? { datasetLocation: input.retrain.datasetLocation, retrainSource: input.retrain.source } : {}),
        datasetSha256: dataset.sha256,
        trainSplitUri: dataset.trainUri,
        holdoutSplitUri: dataset.holdoutUri,
        params: tunedParams ?? input.params,
        computeProvider: trained.provider,
        computeJobId: trained.jobId,
        computeSeconds: trained.seconds,
        ...(trained.costUsd !== undefined ? { computeGpuSeconds: trained.gpuSeconds, computeCostUsd: trained.costUsd } : {}),
        jobLogsUri: trained.logsUri,
        jobMetrics: trained.jobMetrics,
        ...(status.crossValidation ? { crossValidation: crossValidationRecord(status.crossValidation) } : {}),
        // What POST /v1/models/:name/versions/:v/reproduce trains from (code snapshot, seed, splits).
        ...(trained.reproducibility ? { reproducibility: trained.reproducibility } : {}),
        workflowId: input.pipelineId,
        runId,
      },
      pipelineId: input.pipelineId,
      pipelineRunId: runId,
      createdBy: input.submittedBy,
    });
    status.version = registered.version;

    // A retrain that beat an approved champion may skip the person, when its template says so.
    const champion = evaluation.champion;
    const outcome =
      input.retrain?.autoApprove && champion
        ? { kind: 'approved' as const, principal: 'windsock-retrain (auto-approved)', comment: `auto-approved: beat champion v${champion.version} on fresh data` }
        : await awaitApproval(input, status, () => decision, () => enter('awaiting_approval'));
    if (input.retrain?.autoApprove && champion) await audit('approval.auto_approved', { champion: champion.version, metrics: evaluation.metrics });

    if (outcome.kind !== 'approved') {
      await quick.recordDecision({
        model: input.model,
        version: registered.version,
        pipelineId: input.pipelineId,
        principal: outcome.principal,
        decision: outcome.kind,
        comment: outcome.comment,
      });
      await enter('rejected', { decision: outcome.kind, by: outcome.principal, comment: outcome.comment });
      return status;
    }

    await quick.recordDecision({
      model: input.model,
      version: registered.version,
      pipelineId: input.pipelineId,
      principal: outcome.principal,
      decision: 'approved',
      comment: outcome.comment,
    });
    if (input.rollout) {
      await enter('rolling_out', { strategy: input.rollout.strategy, steps: input.rollout.steps });
      const rollout = await executeChild(canaryRollout, {
        workflowId: rolloutWorkflowId(input.pipelineId),
        args: [{ ...input.rollout, pipelineId: input.pipelineId, model: input.model, version: registered.version, requestedBy: outcome.principal }],
      });
      status.rollout = rollout;
      if (rollout.outcome?.result !== 'promoted') {
        await enter('rolled_back', { reason: rollout.outcome?.reason });
        return status;
      }
    }
    await enter('promoting', { approvedBy: outcome.principal });
    const promoted = await quick.promoteChampion({
      model: input.model,
      version: registered.version,
      by: outcome.principal,
      pipelineId: input.pipelineId,
    });
    status.promoted = { version: registered.version, previous: promoted.previous };
    await enter('succeeded');
    return status;
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        if (status.version !== undefined) {
          await quick.markVersion({ model: input.model, version: status.version, status: 'rejected', reason: 'pipeline cancelled' });
        }
        await enter('cancelled');
      });
      throw err;
    }
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const code = cause instanceof ApplicationFailure ? (cause.type ?? 'failed') : 'failed';
    const message = cause instanceof Error ? cause.message : String(cause);
    status.error = { code, message };
    await enter('failed', { error: status.error });
    await notifyInBackground(
      {
        kind: 'pipeline_failed',
        pipelineId: input.pipelineId,
        runId,
        model: input.model,
        ...(status.version !== undefined ? { version: status.version } : {}),
        error: status.error,
        message: `pipeline ${input.pipelineId} for ${input.model} failed: ${message}`,
      },
      `${input.pipelineId}-${runId.slice(0, 8)}`,
    );
    throw ApplicationFailure.create({ type: code, message, nonRetryable: true });
  }
}

/** Waits for a decision until the deadline, reminding approvers once before it. */
async function awaitApproval(
  input: PipelineInput,
  status: PipelineStatus,
  current: () => { kind: 'approved' | 'rejected'; principal: string; comment: string } | undefined,
  opened: () => Promise<void>,
): Promise<{ kind: 'approved' | 'rejected' | 'timed_out'; principal: string; comment: string }> {
  const timeout = input.approvalTimeoutSeconds;
  const remindBefore = Math.min(input.reminderBeforeSeconds ?? DAY_SECONDS, timeout / 2);
  const notification = {
    pipelineId: input.pipelineId,
    model: input.model,
    version: status.version!,
    ...(status.gate ? { gate: status.gate } : {}),
    ...(status.plan ? { plan: status.plan } : {}),
  };
  const { requestedAt, deadline } = await quick.requestApproval({ ...notification, timeoutSeconds: timeout });
  // The stage turns to awaiting_approval only once the deadline is fixed, so a status read never
  // shows an approval window without its deadline.
  status.approval = { refused: [], requestedAt, deadline };
  await opened();

  const decidedEarly = await condition(() => current() !== undefined, (timeout - remindBefore) * 1000);
  if (!decidedEarly) {
    await quick.notifyApprovers({
      kind: 'approval_reminder',
      ...notification,
      deadline,
      message: `${input.model} v${status.version} still waits for approval; it is rejected at ${deadline}`,
    });
    await condition(() => current() !== undefined, remindBefore * 1000);
  }
  const decided = current();
  const outcome = decided ?? { kind: 'timed_out' as const, principal: 'windsock', comment: `no decision before ${deadline}` };
  status.approval = { ...status.approval!, decision: outcome.kind, by: outcome.principal, comment: outcome.comment };
  return outcome;
}

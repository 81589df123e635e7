// Lifecycle step 2: train on a compute provider. The activity submits once per pipeline run (a retry
// reattaches to the same job), heartbeats the job id and progress, waits out an unreachable provider,
// replaces a job lost with its host by one that resumes from the shared checkpoints, enforces the
// deadline, and on cancellation stops the remote job before it rethrows.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Context, CancelledFailure } from '@temporalio/activity';
import type { DatasetSpec } from '../core/data/dataset-spec';
import type { JobSpec } from '../core/pipeline/pipeline-template';
import { WindsockError } from '../core/windsock-error';
import type { ActivityDeps } from './activity-deps';
import type { ReproductionRecord } from '../core/governance/reproduction-record';
import { trainingRecord } from './training-record';
import { trialProgressReporter, type TrialReporting } from './trial-progress-reporter';
import { terminalStates, type ComputeProvider, type JobProgress, type JobRequest, type JobStatus } from './compute/compute-provider';

export interface TrainModelInput {
  pipelineId: string;
  runId: string;
  model: string;
  job: JobSpec;
  params: Record<string, unknown>;
  spec: DatasetSpec;
  trainUri: string;
  /** A tuning trial's number: its MLflow run is one of its own, nested under the pipeline's. */
  trial?: number;
  /** A tuning trial's objective curve goes to its pipeline (trial-progress-reporter.ts); the trial has its own job key, checkpoints and artifacts. */
  trialReporting?: TrialReporting;
  /** The holdout split: given, the result records what a reproduction needs (training-record.ts). */
  holdoutUri?: string;
  /** Where the command's relative scripts lie when they are not the checkout's (a reproduction's code snapshot). */
  codeRoot?: string;
}

export interface TrainedModel {
  provider: string;
  jobId: string;
  modelUri: string;
  modelSha256: string;
  logsUri: string;
  jobMetrics?: Record<string, unknown>;
  seconds: number;
  /** From providers that know a price: billable GPU-seconds and their cost. */
  gpuSeconds?: number;
  costUsd?: number;
  /** Jobs this training needed: more than one when a job's host was lost and a new job resumed it. */
  jobs: number;
  /** Code snapshot, seed, job spec and split digests, for lineage.reproducibility (when holdoutUri was given). */
  reproducibility?: ReproductionRecord;
}

export interface TrainingHeartbeat {
  jobId: string;
  /** Jobs started for this training so far (a lost job is replaced by one that resumes it). */
  jobs?: number;
  progress?: JobProgress;
  costUsd?: number;
}

/** The idempotency key of a pipeline run's first training job; replacements append `:<n>`. */
export function trainingJobKey(pipelineId: string, runId: string): string {
  return `${pipelineId}:${runId}:train`;
}

/** A tuning trial's job key: under the run's training key, so stopTrainingJobs stops every trial too. */
export function trialJobKey(pipelineId: string, runId: string, trial: number): string {
  return `${trainingJobKey(pipelineId, runId)}/trial-${trial}`;
}

/** Lost jobs replaced by a resuming job before the training fails. */
const MAX_REPLACEMENTS = 3;

export function trainingActivities(deps: ActivityDeps) {
  // Poll fast at first (a short job should not wait a full interval), then back off to the limit.
  const maxPollMs = deps.jobPollMs ?? 1000;
  const pollDelay = (round: number) => Math.min(maxPollMs, 50 * 2 ** round);
  // How long a provider may stay unreachable (a runner restarting, a network blip) before the
  // attempt fails; the retry then reattaches through the heartbeat.
  const unreachableLimitMs = deps.computeUnreachableMs ?? 5 * 60_000;

  function providerFor(job: JobSpec): ComputeProvider {
    const name = job.provider ?? deps.defaultCompute ?? 'local';
    const provider = deps.compute[name];
    if (!provider) {
      throw new WindsockError('bad_request', `no compute profile '${name}' on this worker; it has ${Object.keys(deps.compute).join(', ')}`);
    }
    return provider;
  }

  return {
    /**
     * Stops whatever training job of this pipeline run is still running: a job outlives its activity
     * when the pipeline is cancelled between attempts or the activity runs out of attempts.
     */
    async stopTrainingJobs(input: { pipelineId: string; runId: string; job: JobSpec }): Promise<{ stopped: number }> {
      return { stopped: await providerFor(input.job).cancelByKeyPrefix(trainingJobKey(input.pipelineId, input.runId)) };
    },

    async trainModel(input: TrainModelInput): Promise<TrainedModel> {
      const ctx = Context.current();
      const provider = providerFor(input.job);
      const trialSuffix = input.trial !== undefined ? `/trial-${input.trial}` : '';
      const runKey = `models/${input.model}/runs/${input.runId}${trialSuffix}`;
      const baseKey = input.trial !== undefined ? trialJobKey(input.pipelineId, input.runId, input.trial) : trainingJobKey(input.pipelineId, input.runId);
      const reporter = input.trialReporting ? trialProgressReporter(ctx, input.trialReporting) : undefined;
      const previous = ctx.info.heartbeatDetails as TrainingHeartbeat | undefined;
      let jobs = previous?.jobs ?? 1;
      // Experiment tracking (MLflow), best effort: it warns and never fails the training.
      const tracking = deps.mlflow?.training(
        { model: input.model, pipelineId: input.pipelineId, runId: input.runId, trial: input.trial, params: input.params, jobKey: baseKey, codeVersion: deps.codeVersion, command: input.job.command },
        (last) => ctx.heartbeat({ ...(jobId ? { jobId } : {}), jobs, ...last } as TrainingHeartbeat),
      );
      // The job's code as it is when the job starts (a retry that reattaches takes it again).
      const record = trainingRecord(deps, input);

      // Runs a provider call, waiting out an unreachable provider (heartbeating meanwhile) up to the limit.
      async function patiently<T>(call: () => Promise<T>): Promise<T> {
        const since = Date.now();
        for (;;) {
          try {
            return await call();
          } catch (err) {
            if (!isTransient(err) || Date.now() - since > unreachableLimitMs) throw err;
            ctx.heartbeat({ ...(jobId ? { jobId } : {}), jobs } as TrainingHeartbeat);
            await ctx.sleep(maxPollMs);
          }
        }
      }

      async function submit(): Promise<string> {
        const specBlob = await deps.blobs.put(`${runKey}/dataset-spec.json`, JSON.stringify(input.spec));
        const request: JobRequest = {
          command: input.job.command,
          env: { WINDSOCK_PARAMS: JSON.stringify(input.params) },
          inputs: {
            WINDSOCK_DATASET: await deps.blobs.localPath(input.trainUri),
            WINDSOCK_DATASET_SPEC: await deps.blobs.localPath(specBlob.uri),
          },
          deadlineSeconds: input.job.deadlineSeconds,
          // Every job of this training shares its checkpoints: a replacement resumes.
          checkpointKey: `${input.pipelineId}:${input.runId}${trialSuffix}`,
          gpus: input.job.gpus,
          budgetUsd: input.job.budgetUsd,
        };
        // The first job's key has no counter, so a retry that lost its heartbeat still finds it.
        const key = jobs === 1 ? baseKey : `${baseKey}:${jobs}`;
        return (await patiently(() => provider.submit(request, key))).jobId;
      }

      let jobId: string | undefined = previous?.jobId;
      jobId ??= await submit();
      ctx.heartbeat({ jobId, jobs } satisfies TrainingHeartbeat);
      await tracking?.start();
      // A new job in place of one that is gone; it resumes from the shared checkpoints.
      const replaceJob = async () => {
        jobs++;
        jobId = await submit();
        ctx.heartbeat({ jobId, jobs } satisfies TrainingHeartbeat);
      };

      try {
        for (let round = 0; ; round++) {
          let status: JobStatus;
          try {
            status = await patiently(() => provider.status(jobId!));
          } catch (err) {
            if (err instanceof WindsockError && err.code === 'not_found' && jobs <= MAX_REPLACEMENTS) {
              // The provider forgot the job (a runner replaced by an empty one).
              await replaceJob();
              continue;
            }
            throw err;
          }
          ctx.heartbeat({ jobId, jobs, progress: status.progress, costUsd: status.costUsd } satisfies TrainingHeartbeat);
          await tracking?.progress(status.progress, status.costUsd);
          await reporter?.observe(status);
          if (status.state === 'failed' && status.reason === 'lost' && jobs <= MAX_REPLACEMENTS) {
            // The job's host died under it.
            await replaceJob();
            continue;
          }
          if (terminalStates.has(status.state)) {
            if (status.state === 'cancelled') throw new WindsockError('job_failed', `training job ${jobId} was cancelled`);
            if (status.state === 'failed') {
              const code = status.reason === 'deadline_exceeded' || status.reason === 'budget_exceeded' ? status.reason : 'job_failed';
              throw new WindsockError(code, status.error ?? `training job ${jobId} failed`);
            }
            await reporter?.flush();
            const outputs = await collectOutputs(provider, jobId, runKey, status);
            await tracking?.finished(outputs, (uri) => deps.blobs.get(uri));
            const reproducibility = await record.finish(runKey, outputs.jobMetrics);
            return { ...outputs, jobs, ...(reproducibility ? { reproducibility } : {}) };
          }
          const elapsed = (Date.now() - (status.startedAt ?? Date.now())) / 1000;
          if (elapsed > input.job.deadlineSeconds) {
            await provider.cancel(jobId);
            throw new WindsockError('deadline_exceeded', `training job ${jobId} ran past its deadline of ${input.job.deadlineSeconds} s and was stopped`);
          }
          await ctx.sleep(pollDelay(round));
        }
      } catch (err) {
        // Stop the job only when the pipeline asked for it (or is gone). A worker shutting down or
        // a timed-out attempt leaves it running: the retry reattaches to it through the heartbeat.
        const details = ctx.cancellationDetails;
        if ((err instanceof CancelledFailure || ctx.cancellationSignal.aborted) && (details?.cancelRequested || details?.notFound)) {
          await provider.cancel(jobId);
        }
        if (details?.cancelRequested) await tracking?.ended('KILLED');
        else if (err instanceof WindsockError && !err.retryable) await tracking?.ended('FAILED');
        throw err;
      }
    },
  };

  async function collectOutputs(provider: ComputeProvider, jobId: string, runKey: string, status: JobStatus): Promise<Omit<TrainedModel, 'jobs'>> {
    const outputs = await provider.outputs(jobId);
    const modelFile = path.join(outputs.dir, 'model.onnx');
    if (!existsSync(modelFile)) throw new WindsockError('job_failed', `training job ${jobId} finished but wrote no model.onnx`);
    const model = await deps.blobs.putFile(`${runKey}/model.onnx`, modelFile);
    const logs = await deps.blobs.put(`${runKey}/job.log`, outputs.logs);
    const metricsFile = path.join(outputs.dir, 'metrics.json');
    let jobMetrics: Record<string, unknown> | undefined;
    if (existsSync(metricsFile)) {
      await deps.blobs.putFile(`${runKey}/job-metrics.json`, metricsFile);
      jobMetrics = JSON.parse(await readFile(metricsFile, 'utf8')) as Record<string, unknown>;
    }
    const seconds = status.startedAt && status.endedAt ? (status.endedAt - status.startedAt) / 1000 : 0;
    return {
      provider: provider.name,
      jobId,
      modelUri: model.uri,
      modelSha256: model.sha256,
      logsUri: logs.uri,
      jobMetrics,
      seconds,
      ...(status.gpuSeconds !== undefined ? { gpuSeconds: status.gpuSeconds } : {}),
      ...(status.costUsd !== undefined ? { costUsd: status.costUsd } : {}),
    };
  }
}

/** Errors worth waiting out: the provider unreachable or answering 5xx; not a refused or failed job. */
function isTransient(err: unknown): boolean {
  return err instanceof WindsockError && err.retryable;
}

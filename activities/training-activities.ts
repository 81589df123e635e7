// Lifecycle step 2: train on a compute provider. The activity submits once per pipeline run (a retry
// reattaches to the same job), heartbeats the job id and progress, enforces the deadline, and on
// cancellation stops the remote job before it rethrows.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Context, CancelledFailure } from '@temporalio/activity';
import type { DatasetSpec } from '../core/dataset-spec';
import type { JobSpec } from '../core/pipeline-template';
import { WindsockError } from '../core/windsock-error';
import type { ActivityDeps } from './activity-deps';
import { terminalStates, type ComputeProvider, type JobProgress } from './compute/compute-provider';

export interface TrainModelInput {
  pipelineId: string;
  runId: string;
  model: string;
  job: JobSpec;
  params: Record<string, unknown>;
  spec: DatasetSpec;
  trainUri: string;
}

export interface TrainedModel {
  provider: string;
  jobId: string;
  modelUri: string;
  modelSha256: string;
  logsUri: string;
  jobMetrics?: Record<string, unknown>;
  seconds: number;
}

export interface TrainingHeartbeat {
  jobId: string;
  progress?: JobProgress;
}

export function trainingActivities(deps: ActivityDeps) {
  // Poll fast at first (a short job should not wait a full interval), then back off to the limit.
  const maxPollMs = deps.jobPollMs ?? 1000;
  const pollDelay = (round: number) => Math.min(maxPollMs, 50 * 2 ** round);

  function providerFor(job: JobSpec): ComputeProvider {
    const provider = deps.compute[job.provider];
    if (!provider) throw new WindsockError('bad_request', `no compute provider '${job.provider}' on this worker`);
    return provider;
  }

  return {
    async trainModel(input: TrainModelInput): Promise<TrainedModel> {
      const ctx = Context.current();
      const provider = providerFor(input.job);
      const runKey = `models/${input.model}/runs/${input.runId}`;
      const previous = ctx.info.heartbeatDetails as TrainingHeartbeat | undefined;
      let jobId = previous?.jobId;
      if (!jobId) {
        const specBlob = await deps.blobs.put(`${runKey}/dataset-spec.json`, JSON.stringify(input.spec));
        const submitted = await provider.submit(
          {
            command: input.job.command,
            env: { WINDSOCK_PARAMS: JSON.stringify(input.params) },
            inputs: {
              WINDSOCK_DATASET: await deps.blobs.localPath(input.trainUri),
              WINDSOCK_DATASET_SPEC: await deps.blobs.localPath(specBlob.uri),
            },
            deadlineSeconds: input.job.deadlineSeconds,
          },
          `${input.pipelineId}:${input.runId}:train`,
        );
        jobId = submitted.jobId;
      }
      ctx.heartbeat({ jobId } satisfies TrainingHeartbeat);

      try {
        for (let round = 0; ; round++) {
          const status = await provider.status(jobId);
          ctx.heartbeat({ jobId, progress: status.progress } satisfies TrainingHeartbeat);
          if (terminalStates.has(status.state)) {
            if (status.state === 'cancelled') throw new WindsockError('job_failed', `training job ${jobId} was cancelled`);
            if (status.state === 'failed') throw new WindsockError('job_failed', status.error ?? `training job ${jobId} failed`);
            return await collectOutputs(provider, jobId, runKey, status.startedAt, status.endedAt);
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
        throw err;
      }
    },
  };

  async function collectOutputs(provider: ComputeProvider, jobId: string, runKey: string, startedAt?: number, endedAt?: number): Promise<TrainedModel> {
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
    const seconds = startedAt && endedAt ? (endedAt - startedAt) / 1000 : 0;
    return { provider: provider.name, jobId, modelUri: model.uri, modelSha256: model.sha256, logsUri: logs.uri, jobMetrics, seconds };
  }
}

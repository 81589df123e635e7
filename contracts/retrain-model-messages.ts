// retrainModel's input, status and messages: one workflow per model (`retrain:<model>`), started or
// signalled with signal-with-start by the drift monitor, a schedule, a new dataset version or a person.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Stage } from './model-pipeline-messages';

export interface RetrainRequest {
  source: 'drift' | 'accuracy' | 'schedule' | 'manual' | 'new_data';
  reason: string;
  requestedBy: string;
  /** After the pipeline, drift requests are dropped for this long (the drift policy's cooldown). */
  cooldownSeconds?: number;
  details?: Record<string, unknown>;
}

export interface RetrainInput {
  model: string;
}

export interface RetrainStatus {
  model: string;
  state: 'waiting' | 'running' | 'cooldown' | 'done';
  cause?: RetrainRequest;
  pipelineId?: string;
  /** The pipeline's final stage: succeeded, not_better, rejected, rolled_back, failed, cancelled. */
  outcome?: Stage;
  /** Requests that arrived while the pipeline ran: folded into it, never a second pipeline. */
  coalesced: number;
  /** Drift requests that arrived during the cooldown after the pipeline. */
  droppedInCooldown: number;
  /** The cooldown after the pipeline, while `state` is `cooldown`. */
  cooldownSeconds?: number;
}

export const retrainWorkflowId = (model: string) => `retrain:${model}`;
export const retrainRequestedSignal = defineSignal<[RetrainRequest]>('retrainRequested');
export const retrainStatusQuery = defineQuery<RetrainStatus>('retrainStatus');

/** The request that starts (or joins) a model's retraining, as every source sends it. */
export const retrainSignalWithStart = (model: string, taskQueue: string, request: RetrainRequest) => ({
  workflowType: 'retrainModel',
  workflowId: retrainWorkflowId(model),
  taskQueue,
  args: [{ model } satisfies RetrainInput],
  signal: 'retrainRequested',
  signalArg: request,
});

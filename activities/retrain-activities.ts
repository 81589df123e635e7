// Retraining's activities: the pipeline input for a retrain of a model, from its template, with the
// newest file under its retrain dataset location and a gate that asks the challenger to beat the
// champion; and a retrain request into retrain:<model> (what a schedule's tick does).
import { Context } from '@temporalio/activity';
import { freshDataset } from '../artifacts/fresh-dataset';
import { retrainGate, rolloutPlanSchema } from '../core/pipeline/pipeline-template';
import { retrainRolloutPlan } from '../core/rollout/retrain-canary-policy';
import { WindsockError } from '../core/windsock-error';
import type { PipelineInput } from '../contracts/model-pipeline-messages';
import { retrainRequestedSignal, retrainWorkflowId, type RetrainRequest } from '../contracts/retrain-model-messages';
import type { ActivityDeps } from './activity-deps';

export function retrainActivities(deps: ActivityDeps) {
  return {
    /**
     * Signal-with-start of retrain:<model> on this activity's task queue, through the worker's client:
     * the request starts a retrain or is folded into the one running.
     */
    async requestRetrain(input: { model: string } & RetrainRequest): Promise<{ workflowId: string; runId: string }> {
      const { model, ...request } = input;
      const context = Context.current();
      const handle = await context.client.workflow.signalWithStart('retrainModel', {
        workflowId: retrainWorkflowId(model),
        taskQueue: context.info.taskQueue,
        args: [{ model }],
        signal: retrainRequestedSignal,
        signalArgs: [request],
      });
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },

    async prepareRetrain(input: { model: string; pipelineId: string; cause: RetrainRequest }): Promise<PipelineInput> {
      const model = await deps.registry.getModel(input.model);
      if (!model) throw new WindsockError('not_found', `no model '${input.model}' to retrain`);
      const template = model.template;
      if (!template.retrain) {
        throw new WindsockError('bad_request', `model '${input.model}' has no retrain settings: set retrain.dataset in its template to the location fresh data lands in`);
      }
      const datasetUri = await freshDataset(template.retrain.dataset, deps);
      return {
        pipelineId: input.pipelineId,
        model: input.model,
        templateRevision: model.revision,
        datasetUri,
        spec: template.datasetSpec,
        job: template.job,
        params: template.params,
        gate: retrainGate(template.gate, template.retrain.minImprovement),
        holdout: template.holdout,
        approvalTimeoutSeconds: template.approvalTimeoutSeconds,
        // The person who asked for a retrain (or whose upload started it) is its submitter, so four-eyes
        // holds for them as for any pipeline; what a schedule or the drift monitor starts is Windsock's own.
        submittedBy: input.cause.source === 'manual' || input.cause.source === 'new_data' ? input.cause.requestedBy : `windsock-retrain (${input.cause.source}: ${input.cause.requestedBy})`,
        rollout: deps.edge ? retrainRolloutPlan(rolloutPlanSchema.parse(template.rollout)) : undefined,
        ...(template.evaluation ? { evaluation: template.evaluation } : {}),
        ...(template.tuning ? { tuning: template.tuning } : {}),
        retrain: {
          source: input.cause.source,
          reason: input.cause.reason,
          datasetLocation: template.retrain.dataset,
          ...(template.retrain.autoApprove ? { autoApprove: true } : {}),
        },
      };
    },
  };
}

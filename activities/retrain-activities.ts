// Retraining's one activity: the pipeline input for a retrain of a model, from its template, with the
// newest file under its retrain dataset location and a gate that asks the challenger to beat the champion.
import { newestDataset } from '../artifacts/fresh-dataset';
import { retrainGate, rolloutPlanSchema } from '../core/pipeline-template';
import { WindsockError } from '../core/windsock-error';
import type { PipelineInput } from '../workflows/model-pipeline-messages';
import type { RetrainRequest } from '../workflows/retrain-model-messages';
import type { ActivityDeps } from './activity-deps';

export function retrainActivities(deps: ActivityDeps) {
  return {
    async prepareRetrain(input: { model: string; pipelineId: string; cause: RetrainRequest }): Promise<PipelineInput> {
      const model = await deps.registry.getModel(input.model);
      if (!model) throw new WindsockError('not_found', `no model '${input.model}' to retrain`);
      const template = model.template;
      if (!template.retrain) {
        throw new WindsockError('bad_request', `model '${input.model}' has no retrain settings: set retrain.dataset in its template to the location fresh data lands in`);
      }
      const datasetUri = await newestDataset(template.retrain.dataset, deps.datasetBaseDir ?? process.cwd());
      return {
        pipelineId: input.pipelineId,
        model: input.model,
        datasetUri,
        spec: template.datasetSpec,
        job: template.job,
        params: template.params,
        gate: retrainGate(template.gate, template.retrain.minImprovement),
        holdout: template.holdout,
        approvalTimeoutSeconds: template.approvalTimeoutSeconds,
        submittedBy: `windsock-retrain (${input.cause.source}: ${input.cause.requestedBy})`,
        rollout: deps.edge ? rolloutPlanSchema.parse(template.rollout) : undefined,
        retrain: { source: input.cause.source, reason: input.cause.reason, datasetLocation: template.retrain.dataset },
      };
    },
  };
}

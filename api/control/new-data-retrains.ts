// Continuous training from uploads: a new version of a registry dataset starts a retrain of every model
// whose template follows that dataset with `retrain.onNewData`, through the model's one retrain
// workflow (a burst of uploads folds into one pipeline, as drift alerts do). The uploader is the
// retrain's submitter, so four-eyes keeps them from approving a model trained on their own data.
import { retrainSignalWithStart, type RetrainRequest } from '../../contracts/retrain-model-messages';
import { parseDatasetReference } from '../../core/data/dataset-reference';
import type { RegistryStore } from '../../registry/registry-store';
import type { TemporalGateway } from '../temporal/temporal-gateway';
import type { NewDataRetrain } from './routes/dataset-routes';

export function newDataRetrains(deps: { registry: RegistryStore; gateway: TemporalGateway; taskQueue: string }) {
  return async (reference: string, by: string): Promise<NewDataRetrain[]> => {
    const name = parseDatasetReference(reference)?.name;
    if (name === undefined) return [];
    const followers = (await deps.registry.listModels()).filter((m) => m.template.retrain?.onNewData && m.template.retrain.dataset === `dataset://${name}`);
    return Promise.all(
      followers.map(async ({ name: model }): Promise<NewDataRetrain> => {
        const request: RetrainRequest = { source: 'new_data', reason: `a new version of its dataset: ${reference}`, requestedBy: by, details: { dataset: reference } };
        try {
          await deps.gateway.signalWithStart(retrainSignalWithStart(model, deps.taskQueue, request));
          return { model, requested: true };
        } catch (err) {
          // The version is stored either way; the answer says which retrain did not start, to ask again by hand.
          return { model, requested: false, error: (err as Error).message.slice(0, 500) };
        }
      }),
    );
  };
}

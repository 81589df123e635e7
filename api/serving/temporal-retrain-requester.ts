// Retrain requests from the serving side, through whichever Temporal gateway it has (the HTTP API on
// Workers): signal-with-start of the model's retrain workflow.
import { retrainSignalWithStart, type RetrainRequest } from '../../contracts/retrain-model-messages';
import type { TemporalGateway } from '../temporal/temporal-gateway';
import type { RetrainRequester } from './drift-monitor';

export function temporalRetrainRequester(gateway: TemporalGateway, taskQueue: string): RetrainRequester {
  return {
    async requestRetrain(model: string, request: RetrainRequest): Promise<void> {
      await gateway.signalWithStart(retrainSignalWithStart(model, taskQueue, request));
    },
  };
}

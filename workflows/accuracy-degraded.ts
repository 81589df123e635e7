// The accuracy_degraded notification a retrain requested by serving's accuracy monitor sends, from
// the request's details (what the monitor measured).
import type { AccuracyDegradedNotification } from '../contracts/notifications';
import type { RetrainRequest } from '../contracts/retrain-model-messages';

export function accuracyDegraded(model: string, cause: RetrainRequest, pipelineId: string): AccuracyDegradedNotification {
  const d = (cause.details ?? {}) as { version?: number; windowEnd?: string; accuracy?: number; floor?: number; labelled?: number };
  return {
    kind: 'accuracy_degraded',
    model,
    version: d.version ?? 0,
    windowEnd: d.windowEnd ?? '',
    accuracy: d.accuracy ?? 0,
    floor: d.floor ?? 0,
    labelled: d.labelled ?? 0,
    pipelineId,
    message: `accuracy of ${model} degraded: ${cause.reason}; retraining as ${pipelineId}`,
  };
}

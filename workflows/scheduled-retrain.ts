// scheduledRetrain: what a retraining schedule's Temporal Schedule starts on each tick. It only asks
// retrain:<model> for a retrain (signal-with-start), so schedules, drift alerts and people all go
// through the one workflow per model that never runs two pipelines at once.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

export interface ScheduledRetrainInput {
  model: string;
  /** The schedule's id within the model (`nightly`), as in /v1/models/:name/schedules/:id. */
  scheduleId: string;
}

const { requestRetrain } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** Returns the retrain workflow's id and the run that received the request. */
export async function scheduledRetrain(input: ScheduledRetrainInput): Promise<{ workflowId: string; runId: string }> {
  return requestRetrain({ model: input.model, source: 'schedule', reason: `schedule ${input.scheduleId}`, requestedBy: `schedule:${input.scheduleId}` });
}

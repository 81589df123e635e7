// A one-activity workflow for the webhook retry test: sendNotification under the same retry options
// as modelPipeline's notification activities (its `quick` proxy).
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities';
import type { Notification } from '../../contracts/notifications';

const { sendNotification } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

export async function sendNotificationWorkflow(notification: Notification): Promise<{ deliveryId: string }> {
  return sendNotification(notification);
}

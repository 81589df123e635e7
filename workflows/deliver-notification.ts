// deliverNotification: one notification delivered on its own, retried with backoff for up to a day,
// so that a receiver being down neither holds up nor fails the pipeline that sent it. Callers start
// it as an abandoned child named after the delivery id: a repeat of the same event is one workflow.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { Notification } from '../contracts/notifications';

const { sendNotification } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function deliverNotification(notification: Notification): Promise<{ deliveryId: string }> {
  return sendNotification(notification);
}

/** Hands the notification to its own workflow and returns at once; the delivery outlives the caller. */
export async function notifyInBackground(notification: Notification, key: string): Promise<void> {
  try {
    await startChild(deliverNotification, {
      workflowId: `notify-${notification.kind}-${key}`,
      args: [notification],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // Started already for this event: one delivery is enough.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

// Tells approvers that a version waits on them and reminds them before the deadline; tells everyone
// else about drift, rollbacks and failures. A failed webhook throws, so Temporal retries the activity.
import type { ActivityDeps } from './activity-deps';
import type { Notification } from '../contracts/notifications';
import { deliveryIdOf } from './webhook-delivery';
import type { GateResult } from '../core/evaluation/metric-gate';
import type { PipelinePlan } from '../contracts/model-pipeline-messages';

export function notifyActivities(deps: ActivityDeps) {
  async function send(notification: Notification): Promise<void> {
    await deps.notifier.notify(notification);
    const deliveryId = deliveryIdOf(notification);
    if (notification.kind === 'approval_requested' || notification.kind === 'approval_reminder') {
      await deps.registry.appendAudit({
        dedupeKey: `${notification.pipelineId}:${notification.version}:${notification.kind}`,
        actor: 'windsock',
        event: notification.kind === 'approval_reminder' ? 'approval.reminder_sent' : 'approval.requested',
        modelName: notification.model,
        version: notification.version,
        pipelineId: notification.pipelineId,
        details: { deadline: notification.deadline, deliveryId },
      });
      return;
    }
    await deps.registry.appendAudit({
      dedupeKey: `notify:${deliveryId}`,
      actor: 'windsock',
      event: `notification.${notification.kind}`,
      modelName: notification.model,
      version: notification.version,
      pipelineId: notification.pipelineId,
      details: { deliveryId },
    });
  }

  return {
    /** Opens the approval window: the deadline is fixed here, on the activity's clock. */
    async requestApproval(input: { pipelineId: string; model: string; version: number; timeoutSeconds: number; gate?: GateResult; plan?: PipelinePlan }): Promise<{ requestedAt: string; deadline: string }> {
      const now = Date.now();
      const requestedAt = new Date(now).toISOString();
      const deadline = new Date(now + input.timeoutSeconds * 1000).toISOString();
      await send({
        kind: 'approval_requested',
        pipelineId: input.pipelineId,
        model: input.model,
        version: input.version,
        deadline,
        ...(input.gate ? { gate: input.gate } : {}),
        ...(input.plan ? { plan: input.plan } : {}),
        message: `${input.model} v${input.version} waits for approval until ${deadline}`,
      });
      return { requestedAt, deadline };
    },

    /** Kept under this name for the approval reminder: recorded histories call it. */
    async notifyApprovers(notification: Notification): Promise<void> {
      await send(notification);
    },

    /** Any notification kind: drift_detected, rollout_rolled_back, pipeline_failed, the approval ones. */
    async sendNotification(notification: Notification): Promise<{ deliveryId: string }> {
      await send(notification);
      return { deliveryId: deliveryIdOf(notification) };
    },
  };
}

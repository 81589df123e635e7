// Tells approvers that a version waits on them, and reminds them before the deadline.
import type { ActivityDeps } from './activity-deps';
import type { Notification } from './notifier';

export function notifyActivities(deps: ActivityDeps) {
  async function send(notification: Notification): Promise<void> {
    await deps.notifier.notify(notification);
    await deps.registry.appendAudit({
      dedupeKey: `${notification.pipelineId}:${notification.version}:${notification.kind}`,
      actor: 'windsock',
      event: notification.kind === 'approval_reminder' ? 'approval.reminder_sent' : 'approval.requested',
      modelName: notification.model,
      version: notification.version,
      pipelineId: notification.pipelineId,
      details: { deadline: notification.deadline },
    });
  }

  return {
    /** Opens the approval window: the deadline is fixed here, on the activity's clock. */
    async requestApproval(input: { pipelineId: string; model: string; version: number; timeoutSeconds: number }): Promise<{ requestedAt: string; deadline: string }> {
      const now = Date.now();
      const requestedAt = new Date(now).toISOString();
      const deadline = new Date(now + input.timeoutSeconds * 1000).toISOString();
      await send({
        kind: 'approval_requested',
        pipelineId: input.pipelineId,
        model: input.model,
        version: input.version,
        deadline,
        message: `${input.model} v${input.version} waits for approval until ${deadline}`,
      });
      return { requestedAt, deadline };
    },

    async notifyApprovers(notification: Notification): Promise<void> {
      await send(notification);
    },
  };
}

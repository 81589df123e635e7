// Where people hear about models that need them: the log always, a signed webhook when configured.
import type { Notification } from '../contracts/notifications';
import { deliverWebhook, type FetchLike } from './webhook-delivery';

export interface Notifier {
  notify(n: Notification): Promise<void>;
}

export class LogAndWebhookNotifier implements Notifier {
  constructor(
    private readonly webhookUrl?: string,
    private readonly webhookSecret?: string,
    private readonly fetchImpl?: FetchLike,
  ) {
    // An unsigned webhook would let anyone who learns the URL forge approval requests and alerts.
    if (webhookUrl && !webhookSecret) throw new Error('WINDSOCK_NOTIFY_WEBHOOK is set but WINDSOCK_WEBHOOK_SECRET is not: webhooks are always signed');
  }

  async notify(n: Notification): Promise<void> {
    console.log(`[notify] ${n.kind} ${n.pipelineId ?? n.model}: ${n.message}`);
    if (!this.webhookUrl) return;
    await deliverWebhook({ url: this.webhookUrl, secret: this.webhookSecret!, notification: n, fetch: this.fetchImpl });
  }
}

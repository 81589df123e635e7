// Where people hear about pipelines waiting on them: the log always, a webhook when configured.
export interface Notification {
  kind: 'approval_requested' | 'approval_reminder';
  pipelineId: string;
  model: string;
  version: number;
  deadline: string;
  message: string;
}

export interface Notifier {
  notify(n: Notification): Promise<void>;
}

export class LogAndWebhookNotifier implements Notifier {
  constructor(private readonly webhookUrl?: string) {}

  async notify(n: Notification): Promise<void> {
    console.log(`[notify] ${n.kind} ${n.pipelineId}: ${n.message}`);
    if (!this.webhookUrl) return;
    const res = await fetch(this.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(n),
    });
    if (!res.ok) throw new Error(`notification webhook answered ${res.status}`);
  }
}

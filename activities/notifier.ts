// Where people hear about models that need them: the log always, a signed webhook when configured.
import { deliverWebhook, type FetchLike } from './webhook-delivery';

export type ApprovalNotification = {
  kind: 'approval_requested' | 'approval_reminder';
  pipelineId: string;
  model: string;
  version: number;
  deadline: string;
  message: string;
};

export type DriftNotification = {
  kind: 'drift_detected';
  model: string;
  /** The serving version whose traffic drifted. */
  version: number;
  /** End of the monitor window the drift was found in (ISO): one delivery per model, version and window. */
  windowEnd: string;
  driftShare: number;
  driftedFeatures: string[];
  /** The retraining pipeline the drift started, if it started one. */
  pipelineId?: string;
  message: string;
};

export type RollbackNotification = {
  kind: 'rollout_rolled_back';
  pipelineId: string;
  model: string;
  version: number;
  /** The version traffic went back to. */
  stableVersion: number | null;
  reason: string;
  message: string;
};

export type PipelineFailedNotification = {
  kind: 'pipeline_failed';
  pipelineId: string;
  /** The workflow run: a fixed pipeline id (`retrain:<model>`) fails once per run. */
  runId: string;
  model: string;
  /** Absent when the pipeline failed before registering a version. */
  version?: number;
  error: { code: string; message: string };
  message: string;
};

export type Notification = ApprovalNotification | DriftNotification | RollbackNotification | PipelineFailedNotification;
export type NotificationKind = Notification['kind'];

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

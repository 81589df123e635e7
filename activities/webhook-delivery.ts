// One attempt at delivering a notification to a webhook: signed JSON, a delivery id that stays the same
// across retries, and a failure that tells Temporal whether retrying can help.
import { createHash } from 'node:crypto';
import { WindsockError } from '../core/windsock-error';
import type { Notification } from '../contracts/notifications';
import { signWebhook, webhookHeaders } from './webhook-signature';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * What makes one event one event. Approvals happen once per pipeline and version (an activity retry
 * fixes a new deadline, still the same request); drift once per model, version and monitor window; a
 * rollback once per pipeline and version; a failure once per workflow run.
 */
function identity(n: Notification): unknown[] {
  switch (n.kind) {
    case 'approval_requested':
    case 'approval_reminder':
      return [n.kind, n.pipelineId, n.model, n.version];
    case 'drift_detected':
    case 'accuracy_degraded':
      return [n.kind, n.model, n.version, n.windowEnd];
    case 'rollout_rolled_back':
      return [n.kind, n.pipelineId, n.model, n.version];
    case 'pipeline_failed':
      return [n.kind, n.pipelineId, n.runId];
  }
}

/** `wh_` and 32 hex digits of sha256 over the event's identity: stable across retries and restarts. */
export function deliveryIdOf(n: Notification): string {
  return `wh_${createHash('sha256').update(JSON.stringify(identity(n))).digest('hex').slice(0, 32)}`;
}

/** The JSON a receiver gets: the notification with its delivery id. */
export function webhookBody(n: Notification): string {
  return JSON.stringify({ id: deliveryIdOf(n), ...n });
}

/** Worth another attempt: a timeout, rate limiting, or the receiver's own failure. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export interface WebhookDelivery {
  url: string;
  secret: string;
  notification: Notification;
  fetch?: FetchLike;
  /** One attempt's limit; Temporal's start-to-close timeout must be longer. */
  timeoutMs?: number;
  /** Milliseconds since the epoch, for the signature's timestamp. */
  now?: () => number;
}

async function excerpt(res: Response): Promise<string> {
  try {
    const text = (await res.text()).trim();
    return text ? `: ${text.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/**
 * Posts the notification once. Throws a retryable WindsockError on network errors, timeouts, 408, 429
 * and 5xx, and a non-retryable one on any other answer outside 2xx (redirects are not followed: a
 * signed body goes only where it was configured to go).
 */
export async function deliverWebhook(delivery: WebhookDelivery): Promise<{ deliveryId: string; status: number }> {
  const { url, secret, notification } = delivery;
  const doFetch = delivery.fetch ?? fetch;
  const deliveryId = deliveryIdOf(notification);
  const body = webhookBody(notification);
  const timestamp = Math.floor((delivery.now ?? Date.now)() / 1000);
  const details = { deliveryId, url };

  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(delivery.timeoutMs ?? 10_000),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Windsock-Webhooks/1',
        [webhookHeaders.event]: notification.kind,
        [webhookHeaders.delivery]: deliveryId,
        [webhookHeaders.timestamp]: String(timestamp),
        [webhookHeaders.signature]: signWebhook(secret, timestamp, body),
      },
      body,
    });
  } catch (err) {
    const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new WindsockError('unavailable', `webhook ${url} unreachable for ${notification.kind} delivery ${deliveryId}: ${cause}`, {
      retryable: true,
      details,
    });
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel();
    return { deliveryId, status: res.status };
  }
  const said = await excerpt(res);
  if (isRetryableStatus(res.status)) {
    throw new WindsockError('unavailable', `webhook ${url} answered ${res.status} to ${notification.kind} delivery ${deliveryId}${said}`, {
      retryable: true,
      details: { ...details, status: res.status },
    });
  }
  throw new WindsockError(
    'bad_request',
    `webhook ${url} refused ${notification.kind} delivery ${deliveryId} with ${res.status}${said} (not retried: only 408, 429 and 5xx are)`,
    { retryable: false, details: { ...details, status: res.status } },
  );
}

// Signed webhooks against a real HTTP receiver on loopback that checks every signature.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogAndWebhookNotifier } from '../../activities/notifier';
import { type Notification } from '../../contracts/notifications';
import { deliverWebhook, deliveryIdOf, isRetryableStatus } from '../../activities/webhook-delivery';
import { signWebhook, verifyWindsockSignature, webhookHeaders } from '../../activities/webhook-signature';
import { WindsockError } from '../../core/windsock-error';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver';

const secret = 'whsec-test-0123456789abcdef';

const notifications: Notification[] = [
  { kind: 'approval_requested', pipelineId: 'p-1', model: 'churn', version: 3, deadline: '2025-06-02T00:00:00.000Z', message: 'churn v3 waits for approval' },
  { kind: 'approval_reminder', pipelineId: 'p-1', model: 'churn', version: 3, deadline: '2025-06-02T00:00:00.000Z', message: 'churn v3 still waits' },
  {
    kind: 'drift_detected',
    model: 'churn',
    version: 2,
    windowEnd: '2025-06-01T12:00:00.000Z',
    driftShare: 0.6,
    driftedFeatures: ['income', 'age'],
    pipelineId: 'retrain:churn',
    message: 'churn v2 drifted',
  },
  { kind: 'rollout_rolled_back', pipelineId: 'p-1', model: 'churn', version: 3, stableVersion: 2, reason: 'error rate 4% > 1%', message: 'churn v3 rolled back' },
  { kind: 'pipeline_failed', pipelineId: 'retrain:churn', runId: 'run-a', model: 'churn', error: { code: 'dataset_invalid', message: 'nulls in income' }, message: 'failed' },
];
const approval = notifications[0]!;

const receivers: WebhookReceiver[] = [];
async function receiver(answer?: Parameters<typeof startWebhookReceiver>[1], receiverSecret = secret) {
  const r = await startWebhookReceiver(receiverSecret, answer);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** What Temporal does with the activity, without the waiting: retry while the error says retryable. */
async function deliverWithRetries(url: string, n: Notification, maxAttempts = 10): Promise<{ attempts: number; error?: WindsockError }> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deliverWebhook({ url, secret, notification: n, timeoutMs: 2000 });
      return { attempts: attempt };
    } catch (err) {
      if (!(err instanceof WindsockError)) throw err;
      if (!err.retryable || attempt === maxAttempts) return { attempts: attempt, error: err };
    }
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('webhook delivery', () => {
  it('delivers every event kind as signed JSON with its kind, delivery id and timestamp', async () => {
    const r = await receiver();
    for (const n of notifications) {
      expect(await deliverWebhook({ url: r.url, secret, notification: n })).toEqual({ deliveryId: deliveryIdOf(n), status: 204 });
    }
    expect(r.received).toHaveLength(notifications.length);
    r.received.forEach((d, i) => {
      const n = notifications[i]!;
      expect(d.verification).toMatchObject({ ok: true, deliveryId: deliveryIdOf(n), event: n.kind });
      expect(d.headers['content-type']).toBe('application/json');
      expect(d.headers[webhookHeaders.signature]).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(Math.abs(Number(d.headers[webhookHeaders.timestamp]) - Date.now() / 1000)).toBeLessThan(60);
      expect(d.body).toEqual({ id: deliveryIdOf(n), ...n });
    });
    expect(new Set(r.received.map((d) => d.headers[webhookHeaders.delivery])).size).toBe(notifications.length);
  });

  it('retries while the receiver fails, with the same delivery id on every attempt', async () => {
    const r = await receiver((n) => (n < 3 ? 503 : 200));
    const { attempts, error } = await deliverWithRetries(r.url, approval);
    expect(error).toBeUndefined();
    expect(attempts).toBe(4);
    expect(r.received.map((d) => d.status)).toEqual([503, 503, 503, 200]);
    expect(r.received.every((d) => d.verification.ok)).toBe(true);
    expect(new Set(r.received.map((d) => d.headers[webhookHeaders.delivery]))).toEqual(new Set([deliveryIdOf(approval)]));
  });

  it('keeps the delivery id of an approval request when a retry fixes a new deadline', () => {
    const retried = { ...approval, deadline: '2025-06-02T00:00:05.000Z' };
    expect(deliveryIdOf(retried)).toBe(deliveryIdOf(approval));
  });

  it('gives different events different ids: another version, window or run', () => {
    const drift = notifications[2] as Extract<Notification, { kind: 'drift_detected' }>;
    const failed = notifications[4] as Extract<Notification, { kind: 'pipeline_failed' }>;
    expect(deliveryIdOf({ ...approval, version: 4 })).not.toBe(deliveryIdOf(approval));
    expect(deliveryIdOf(notifications[1]!)).not.toBe(deliveryIdOf(approval)); // the reminder of the same approval
    expect(deliveryIdOf({ ...drift, windowEnd: '2025-06-01T12:05:00.000Z' })).not.toBe(deliveryIdOf(drift));
    expect(deliveryIdOf({ ...failed, runId: 'run-b' })).not.toBe(deliveryIdOf(failed));
    expect(deliveryIdOf(approval)).toMatch(/^wh_[0-9a-f]{32}$/);
  });

  it('retries 408 and 429 and 5xx, not other 4xx or redirects', async () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([301, 302, 400, 401, 403, 404, 409, 410, 413, 422].some(isRetryableStatus)).toBe(false);
    for (const [status, retryable] of [[429, true], [408, true], [500, true], [404, false], [410, false], [302, false]] as const) {
      const r = await receiver(() => status);
      const error = await deliverWebhook({ url: r.url, secret, notification: approval }).catch((e: unknown) => e);
      expect(error, String(status)).toBeInstanceOf(WindsockError);
      expect((error as WindsockError).retryable, String(status)).toBe(retryable);
      expect((error as WindsockError).message).toContain(String(status));
      expect((error as WindsockError).options.details).toMatchObject({ deliveryId: deliveryIdOf(approval), status });
      expect(r.received, 'one request, no redirect followed').toHaveLength(1);
    }
  });

  it('stops at the first permanent refusal: one request, not retried', async () => {
    const r = await receiver(() => 422);
    const { attempts, error } = await deliverWithRetries(r.url, approval);
    expect(attempts).toBe(1);
    expect(error).toMatchObject({ code: 'bad_request', retryable: false });
    expect(error!.message).toContain('status 422'); // the receiver's own words
  });

  it('treats an unreachable receiver and a receiver that never answers as retryable', async () => {
    const unreachable = await deliverWebhook({ url: `http://127.0.0.1:${await closedPort()}/`, secret, notification: approval }).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: 'unavailable', retryable: true });
    expect((unreachable as Error).message).toMatch(/unreachable.*ECONNREFUSED/);

    const r = await receiver(() => 'hang');
    const hung = await deliverWebhook({ url: r.url, secret, notification: approval, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(hung).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('is refused by a receiver holding another secret (401, not retried)', async () => {
    const r = await receiver(undefined, 'another-secret-0123456789');
    const { attempts, error } = await deliverWithRetries(r.url, approval);
    expect(attempts).toBe(1);
    expect(error).toMatchObject({ retryable: false });
    expect(r.received[0]!.verification).toEqual({ ok: false, reason: 'signature does not match' });
    expect(error!.message).toContain('signature does not match');
  });
});

describe('verifyWindsockSignature', () => {
  const body = JSON.stringify({ id: 'wh_1', kind: 'drift_detected' });
  const now = 1_750_000_000_000;
  const ts = now / 1000;
  const headers = (signature = signWebhook(secret, ts, body), timestamp = String(ts)) => ({
    [webhookHeaders.signature]: signature,
    [webhookHeaders.timestamp]: timestamp,
    [webhookHeaders.delivery]: 'wh_1',
    [webhookHeaders.event]: 'drift_detected',
  });

  it('accepts the signed body as a string, as bytes and with a fetch Headers object', () => {
    expect(verifyWindsockSignature(secret, body, headers(), { now })).toEqual({ ok: true, deliveryId: 'wh_1', event: 'drift_detected', timestamp: ts });
    expect(verifyWindsockSignature(secret, new TextEncoder().encode(body), headers(), { now }).ok).toBe(true);
    expect(verifyWindsockSignature(secret, body, new Headers(headers()), { now }).ok).toBe(true);
  });

  it('refuses a bad secret, a changed body and a changed timestamp', () => {
    expect(verifyWindsockSignature('wrong-secret-0123456789', body, headers(), { now })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifyWindsockSignature(secret, body.replace('drift', 'drift '), headers(), { now }).ok).toBe(false);
    expect(verifyWindsockSignature(secret, body, headers(undefined, String(ts + 1)), { now }).ok).toBe(false);
  });

  it('refuses a signature older or newer than the tolerance', () => {
    const old = headers(signWebhook(secret, ts - 301, body), String(ts - 301));
    expect(verifyWindsockSignature(secret, body, old, { now })).toMatchObject({ ok: false, reason: expect.stringContaining('tolerance') });
    expect(verifyWindsockSignature(secret, body, old, { now, toleranceSeconds: 600 }).ok).toBe(true);
    const future = headers(signWebhook(secret, ts + 301, body), String(ts + 301));
    expect(verifyWindsockSignature(secret, body, future, { now }).ok).toBe(false);
  });

  it('accepts any of several secrets while one is rotated', () => {
    expect(verifyWindsockSignature(['next-secret-0123456789', secret], body, headers(), { now }).ok).toBe(true);
    expect(verifyWindsockSignature(['next-secret-0123456789'], body, headers(), { now }).ok).toBe(false);
  });

  it('names a missing or malformed header', () => {
    expect(verifyWindsockSignature(secret, body, {}, { now })).toEqual({ ok: false, reason: 'missing x-windsock-signature header' });
    expect(verifyWindsockSignature(secret, body, headers('sha1=abc'), { now }).ok).toBe(false);
    expect(verifyWindsockSignature(secret, body, headers(undefined, 'yesterday'), { now })).toMatchObject({ reason: expect.stringContaining('timestamp') });
    const upper = Object.fromEntries(Object.entries(headers()).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWindsockSignature(secret, body, upper, { now }).ok).toBe(true);
  });
});

describe('LogAndWebhookNotifier', () => {
  it('refuses a webhook URL without a secret, naming both variables', () => {
    expect(() => new LogAndWebhookNotifier('http://127.0.0.1:9/')).toThrow(/WINDSOCK_NOTIFY_WEBHOOK.*WINDSOCK_WEBHOOK_SECRET/);
  });

  it('logs without a webhook, and delivers a signed one with it', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await new LogAndWebhookNotifier().notify(approval);
      const r = await receiver();
      await new LogAndWebhookNotifier(r.url, secret).notify(notifications[3]!);
      expect(r.received).toHaveLength(1);
      expect(r.received[0]!.verification).toMatchObject({ ok: true, event: 'rollout_rolled_back' });
      expect(log).toHaveBeenCalledWith(expect.stringContaining('approval_requested p-1'));
    } finally {
      log.mockRestore();
    }
  });
});

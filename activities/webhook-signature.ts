// How Windsock signs a webhook and how a receiver checks it. HMAC-SHA256 with the shared secret over
// `<timestamp>.<raw body>` (Stripe's scheme, so a captured request cannot be replayed later with a
// new timestamp), sent GitHub-style as `x-windsock-signature: sha256=<hex>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const webhookHeaders = {
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. */
  signature: 'x-windsock-signature',
  /** Unix seconds when this attempt was signed; part of the signed content. New on every attempt. */
  timestamp: 'x-windsock-timestamp',
  /** The delivery's id: the same on every retry of one event, so a receiver can drop repeats. */
  delivery: 'x-windsock-delivery',
  /** The event kind, e.g. `approval_requested`. */
  event: 'x-windsock-event',
} as const;

/** Receivers reject signatures older (or newer) than this by default: Stripe's five minutes. */
export const defaultToleranceSeconds = 300;

function signedContent(timestamp: string, body: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)]);
}

/** The signature header's value for one attempt. */
export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(signedContent(String(timestamp), body)).digest('hex')}`;
}

export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  // Node lower-cases incoming header names; a hand-built record may not have.
  const key = name in record ? name : Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

export type WebhookVerification =
  | { ok: true; deliveryId: string; event: string; timestamp: number }
  | { ok: false; reason: string };

/**
 * Checks a Windsock webhook: `body` must be the raw request body, byte for byte, as received (not a
 * re-serialised parse of it). `secret` may list several secrets while one is being rotated. The
 * timestamp must lie within `toleranceSeconds` of `now` (milliseconds; defaults to the clock).
 */
export function verifyWindsockSignature(
  secret: string | readonly string[],
  body: string | Uint8Array,
  headers: HeaderSource,
  options: { toleranceSeconds?: number; now?: number } = {},
): WebhookVerification {
  const signature = header(headers, webhookHeaders.signature);
  const timestamp = header(headers, webhookHeaders.timestamp);
  if (!signature) return { ok: false, reason: `missing ${webhookHeaders.signature} header` };
  if (!timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: `missing or malformed ${webhookHeaders.timestamp} header` };
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature);
  if (!match) return { ok: false, reason: `${webhookHeaders.signature} is not sha256=<64 hex digits>` };

  const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
  const ageSeconds = Math.abs((options.now ?? Date.now()) / 1000 - Number(timestamp));
  if (ageSeconds > tolerance) return { ok: false, reason: `timestamp is ${Math.round(ageSeconds)} s away from now, over the ${tolerance} s tolerance` };

  const given = Buffer.from(match[1]!, 'hex');
  const content = signedContent(timestamp, body);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const valid = secrets.some((s) => timingSafeEqual(createHmac('sha256', s).update(content).digest(), given));
  if (!valid) return { ok: false, reason: 'signature does not match' };
  return {
    ok: true,
    deliveryId: header(headers, webhookHeaders.delivery) ?? '',
    event: header(headers, webhookHeaders.event) ?? '',
    timestamp: Number(timestamp),
  };
}

// What every fuzzed bad request must get back: a 4xx (never a 5xx, never a success) in the route's
// error form, the Windsock envelope or the Open Inference Protocol's { error }, with no stack trace.
// Plus the shared fast-check settings: a fixed seed per property, so a failure reproduces.
import { expect } from 'vitest';
import type { AppResponse } from '../routes/app-request';

export interface FuzzRequest {
  method: string;
  path: string;
  as?: 'alice' | 'bob' | 'carol' | 'dave' | 'root';
  /** The body as sent (JSON text or not). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** Short enough to read in a failure message. */
export function describeRequest(r: FuzzRequest): string {
  const body = typeof r.raw === 'string' ? (r.raw.length > 300 ? `${r.raw.slice(0, 300)}… (${r.raw.length} chars)` : r.raw) : r.raw ? `<${r.raw.byteLength} bytes>` : '';
  return `${r.method} ${r.path.length > 200 ? `${r.path.slice(0, 200)}…` : r.path} as ${r.as ?? 'nobody'} ${JSON.stringify(r.headers ?? {})} ${body}`;
}

function describeAnswer(res: AppResponse): string {
  return `${res.status} ${JSON.stringify(res.body)?.slice(0, 500)}`;
}

/** A 4xx in the Windsock envelope, its request id in the header too. */
export function expectEnvelopeRefusal(req: FuzzRequest, res: AppResponse) {
  const what = `${describeRequest(req)}\n  -> ${describeAnswer(res)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.body?.error?.code, what).toMatch(/^[a-z_]+$/);
  expect(typeof res.body.error.message, what).toBe('string');
  expect(res.body.error.message, what).not.toMatch(/\n\s+at /);
  expect(res.body.error.requestId, what).toMatch(/\S/);
  expect(res.headers.get('x-request-id'), what).toBe(res.body.error.requestId);
}

/** A 4xx in the Open Inference Protocol's form: { "error": "..." } and nothing else. */
export function expectProtocolRefusal(req: FuzzRequest, res: AppResponse) {
  const what = `${describeRequest(req)}\n  -> ${describeAnswer(res)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.body, what).toEqual({ error: expect.any(String) });
  expect(res.body.error, what).not.toMatch(/\n\s+at /);
  expect(res.headers.get('x-request-id'), what).toMatch(/\S/);
}

/** fast-check's settings for one property: its own seed, and the number of requests it sends. */
export const runs = (seed: number, numRuns: number) => ({ seed, numRuns });

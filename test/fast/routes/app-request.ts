// One in-process request to a Hono app (app.request, no server), with the answer read once, and the
// assertion every refusal shares: its status and the envelope's code, message and request id.
import { expect } from 'vitest';
import { auth, type PrincipalName } from '../../test-principals';

export interface RequestOptions {
  as?: PrincipalName;
  /** Sent as JSON with content-type application/json. */
  body?: unknown;
  /** Sent as it is (content-type application/json unless headers say otherwise); a stream goes chunked. */
  raw?: string | Uint8Array | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

export interface AppResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface RequestableApp {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

export async function requestApp(app: RequestableApp, method: string, url: string, options: RequestOptions = {}): Promise<AppResponse> {
  const headers: Record<string, string> = { ...(options.as ? auth(options.as) : {}) };
  let body: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  const init = { method, headers, body: body as RequestInit['body'], ...(body instanceof ReadableStream ? { duplex: 'half' as const } : {}) };
  const res = await app.request(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the assertions below say so with the text in their message.
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A refusal in the Windsock envelope: { error: { code, message, requestId } }. */
export function expectRefusal(res: AppResponse, status: number, code: string, message: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body?.error?.code, JSON.stringify(res.body)).toBe(code);
  expect(res.body.error.message).toMatch(message);
  expect(res.body.error.message).not.toMatch(/\n\s+at /);
  expect(res.body.error.requestId).toMatch(/\S/);
  expect(res.headers.get('x-request-id')).toBe(res.body.error.requestId);
}

// One error envelope for every Windsock HTTP API: { error: { code, message, requestId } }.
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { WindsockError } from '../../core/windsock-error';
import type { ApiEnv } from './api-env';

export const requestId: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const id = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : crypto.randomUUID();
  c.set('requestId', id);
  c.header('x-request-id', id);
  await next();
};

function envelope(c: Context<ApiEnv>, status: ContentfulStatusCode, code: string, message: string) {
  return c.json({ error: { code, message, requestId: c.get('requestId') ?? '' } }, status);
}

const httpCodes: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 413: 'payload_too_large', 415: 'unsupported_media_type' };

export const onError: ErrorHandler<ApiEnv> = (err, c) => {
  if (err instanceof WindsockError) return envelope(c, err.status as ContentfulStatusCode, err.code, err.message);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return envelope(c, status, httpCodes[status] ?? 'http_error', err.message || 'request refused');
  }
  console.error(`[api] ${c.get('requestId')} ${c.req.method} ${c.req.path}:`, err);
  return envelope(c, 500, 'internal', `internal error; the server log has the details under request id ${c.get('requestId')}`);
};

export const notFound: NotFoundHandler<ApiEnv> = (c) => envelope(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);

/** Turns zod issues into one message a person can act on: `body.gate.f1.threshold: expected number`. */
export function describeZodError(where: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = [where, ...issue.path.map(String)].join('.');
      return `${at}: ${issue.message}`;
    })
    .join('; ');
}

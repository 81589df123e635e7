// zod validation for route inputs; a failure is a 400 in the Windsock envelope naming each problem. A
// JSON body must say it is JSON: sent as anything else, Hono's validator would check an empty object
// in its place and a route would act on defaults the caller never asked for.
import { zValidator } from '@hono/zod-validator';
import type { MiddlewareHandler, ValidationTargets } from 'hono';
import type { z } from 'zod';
import { WindsockError } from '../../core/windsock-error';
import { describeZodError } from './error-envelope';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) {
  const check = zValidator(target, schema, (result) => {
    if (!result.success) throw new WindsockError('bad_request', describeZodError(target === 'json' ? 'body' : target, result.error as unknown as z.ZodError));
  });
  if (target !== 'json') return check;
  const requireJson: MiddlewareHandler = (c, next) => requireJsonBody(c, () => check(c, next) as Promise<void>);
  // The same middleware with the JSON check in front: its type is the validator's, so routes keep
  // c.req.valid('json') typed.
  return requireJson as unknown as typeof check;
}

/**
 * 415 for a body that does not say it is JSON, and 400 for one with an own `__proto__` key: zod's
 * records skip such a key without checking it (a gate of {"__proto__": ...} became an empty gate that
 * passes every model). Shared with the OpenAPI routes (api/http/openapi-routes.ts).
 */
export const requireJsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type');
  const length = c.req.header('content-length');
  const hasBody = length !== undefined ? Number(length) > 0 : c.req.raw.body !== null;
  if (hasBody && !(type && JSON_TYPE.test(type))) {
    throw new WindsockError('unsupported_media_type', `send the body as JSON (content-type: application/json), not ${type ? `'${type.slice(0, 100)}'` : 'without a content-type'}`);
  }
  if (hasBody) {
    const parsed: unknown = await c.req.json().catch(() => undefined);
    const where = protoKeyPath(parsed);
    if (where !== undefined) throw new WindsockError('bad_request', `${where}: a key named "__proto__" is not allowed`);
  }
  await next();
};

/** Where a parsed JSON body has an own `__proto__` key (`body.gate`), if anywhere. */
function protoKeyPath(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, 'body']];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (Object.prototype.hasOwnProperty.call(item, '__proto__')) return path;
    for (const [key, child] of Object.entries(item)) stack.push([child, `${path}.${key}`]);
  }
  return undefined;
}

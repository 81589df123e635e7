// Bearer-token authentication against the configured principals, and role checks per route.
// Tokens are compared as SHA-256 digests over every principal, so timing says nothing about them.
import type { MiddlewareHandler } from 'hono';
import { hasRole, type Principal, type Role } from '../../core/auth/principals';
import { WindsockError } from '../../core/windsock-error';
import type { ApiEnv } from './api-env';

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function bearerAuth(principals: Principal[]): MiddlewareHandler<ApiEnv> {
  const digests = Promise.all(principals.map(async (p) => ({ principal: p, digest: await digest(p.token) })));
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new WindsockError('unauthorized', 'missing bearer token: send Authorization: Bearer <token>');
    const presented = await digest(match[1]!);
    let found: Principal | undefined;
    for (const candidate of await digests) {
      if (equalDigests(candidate.digest, presented)) found = candidate.principal;
    }
    if (!found) throw new WindsockError('unauthorized', 'unknown bearer token');
    c.set('principal', found);
    await next();
  };
}

export function requireRole(...allowed: Role[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!allowed.some((role) => hasRole(principal, role))) {
      throw new WindsockError('forbidden', `${principal.name} lacks the role for this: needs ${allowed.join(' or ')}`);
    }
    await next();
  };
}

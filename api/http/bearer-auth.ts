// Bearer-token authentication against the configured principals, and role checks per route.
// Tokens are compared as SHA-256 digests over every principal, so timing says nothing about them.
// A token that is none of theirs goes to the resolver, if the app has one (the control API's looks
// up tokens issued into the registry by the digest).
import type { MiddlewareHandler } from 'hono';
import { hasRole, type Principal, type Role } from '../../core/auth/principals';
import { WindsockError } from '../../core/windsock-error';
import type { ApiEnv, AuthenticatedPrincipal } from './api-env';

/**
 * The principal of a token that is not a configured one, by the token and its SHA-256 (lowercase
 * hex); undefined when it knows none, or a WindsockError saying why it refuses one it knows.
 */
export type TokenResolver = (token: string, sha256Hex: string) => Promise<AuthenticatedPrincipal | undefined>;

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function bearerAuth(principals: Principal[], resolve?: TokenResolver): MiddlewareHandler<ApiEnv> {
  const digests = Promise.all(principals.map(async (p) => ({ principal: p, digest: await digest(p.token) })));
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new WindsockError('unauthorized', 'missing bearer token: send Authorization: Bearer <token>');
    const presented = await digest(match[1]!);
    let found: AuthenticatedPrincipal | undefined;
    for (const candidate of await digests) {
      if (equalDigests(candidate.digest, presented)) found = candidate.principal;
    }
    if (!found && resolve) found = await resolve(match[1]!, toHex(presented));
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

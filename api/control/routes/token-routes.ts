// /v1/tokens (admin): API tokens issued into the registry beside WINDSOCK_TOKENS' bootstrap
// principals. A token is shown once, when issued; the list and the audit log never hold it.
import { Hono } from 'hono';
import { z } from 'zod';
import { API_TOKEN_DEFAULT_LIFETIME_SECONDS, apiTokenId, apiTokenLifetime, apiTokenName, apiTokenRoles, apiTokenState, isApiTokenFormat } from '../../../core/auth/api-token';
import type { Principal } from '../../../core/auth/principals';
import { WindsockError } from '../../../core/windsock-error';
import type { ApiTokenRecord, ApiTokenStore } from '../../../registry/api-token-store';
import type { ApiEnv } from '../../http/api-env';
import { requireRole, type TokenResolver } from '../../http/bearer-auth';
import { validate } from '../../http/validate';

const issueBody = z.strictObject({
  name: apiTokenName,
  roles: apiTokenRoles,
  /** Seconds or a duration ("30d"); 90 days when left out, a year at most. */
  expiresIn: apiTokenLifetime.optional(),
});

const idParam = z.object({ id: apiTokenId });

/** Tokens issued into the registry, for bearerAuth after the bootstrap principals. */
export function apiTokenResolver(tokens: ApiTokenStore): TokenResolver {
  return async (token, sha256Hex) => (isApiTokenFormat(token) ? tokens.authenticate(sha256Hex) : undefined);
}

const view = (record: ApiTokenRecord, now: Date) => ({ ...record, state: apiTokenState(record, now) });

export function tokenRoutes({ tokens, principals }: { tokens: ApiTokenStore; principals: Principal[] }) {
  const bootstrapNames = new Set(principals.map((p) => p.name));
  return new Hono<ApiEnv>()
    .post('/', requireRole('admin'), validate('json', issueBody), async (c) => {
      const body = c.req.valid('json');
      if (bootstrapNames.has(body.name)) {
        throw new WindsockError('conflict', `'${body.name}' is a principal of WINDSOCK_TOKENS: name the API token something else`);
      }
      const { record, token } = await tokens.issue({
        name: body.name,
        roles: body.roles,
        lifetimeSeconds: body.expiresIn ?? API_TOKEN_DEFAULT_LIFETIME_SECONDS,
        by: c.get('principal').name,
      });
      // The only answer that carries the token: no cache along the way may keep it.
      c.header('cache-control', 'no-store');
      return c.json({ id: record.id, name: record.name, roles: record.roles, expiresAt: record.expiresAt, token }, 201);
    })
    .get('/', requireRole('admin'), async (c) => {
      const now = new Date();
      return c.json({ tokens: (await tokens.list()).map((record) => view(record, now)) });
    })
    .delete('/:id', requireRole('admin'), validate('param', idParam), async (c) => {
      const { id } = c.req.valid('param');
      const record = await tokens.revoke(id, c.get('principal').name);
      if (!record) throw new WindsockError('not_found', `no API token has id '${id}'`);
      return c.json(view(record, new Date()));
    });
}

// /v1/tokens (admin): API tokens issued into the registry beside WINDSOCK_TOKENS' bootstrap
// principals. A token is shown once, when issued; the list and the audit log never hold it.
import { z } from 'zod';
import { API_TOKEN_DEFAULT_LIFETIME_SECONDS, apiTokenId, apiTokenLifetime, apiTokenName, apiTokenRoles, apiTokenState, isApiTokenFormat } from '../../../core/auth/api-token';
import { roles, type Principal } from '../../../core/auth/principals';
import { WindsockError } from '../../../core/windsock-error';
import type { ApiTokenRecord, ApiTokenStore } from '../../../registry/api-token-store';
import type { TokenResolver } from '../../http/bearer-auth';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes } from '../../http/openapi-routes';

export const issueTokenBody = z.strictObject({
  name: apiTokenName,
  roles: apiTokenRoles,
  /** Seconds or a duration ("30d"); 90 days when left out, a year at most. */
  expiresIn: apiTokenLifetime.optional(),
});

export const tokenIdParam = z.object({ id: apiTokenId });

/** Tokens issued into the registry, for bearerAuth after the bootstrap principals. */
export function apiTokenResolver(tokens: ApiTokenStore): TokenResolver {
  return async (token, sha256Hex) => (isApiTokenFormat(token) ? tokens.authenticate(sha256Hex) : undefined);
}

const view = (record: ApiTokenRecord, now: Date) => ({ ...record, state: apiTokenState(record, now) });

const instant = z.iso.datetime();
const tokenFields = { id: apiTokenId, name: z.string(), roles: z.array(z.enum(roles)), expiresAt: instant };
const apiTokenSchema = z
  .object({
    ...tokenFields,
    createdBy: z.string(),
    createdAt: instant,
    revokedAt: instant.nullable(),
    revokedBy: z.string().nullable(),
    lastUsedAt: instant.nullable(),
    state: z.enum(['active', 'expired', 'revoked']),
  })
  .openapi('ApiToken');
const issuedTokenSchema = z.object({ ...tokenFields, token: z.string().openapi({ description: 'The token itself: shown in this answer only.' }) }).openapi('IssuedApiToken');

const issueTokenRoute = apiRoute(
  { roles: ['admin'], errors: [409] },
  {
    method: 'post',
    path: '/',
    tags: ['tokens'],
    summary: 'Issues an API token (shown once, in this answer)',
    request: { body: jsonBody(issueTokenBody) },
    responses: { 201: jsonAnswer(issuedTokenSchema, 'issued') },
  },
);
const listTokensRoute = apiRoute(
  { roles: ['admin'] },
  { method: 'get', path: '/', tags: ['tokens'], summary: 'The issued API tokens, without the tokens', responses: { 200: jsonAnswer(z.object({ tokens: z.array(apiTokenSchema) }), 'the tokens') } },
);
const revokeTokenRoute = apiRoute(
  { roles: ['admin'] },
  {
    method: 'delete',
    path: '/{id}',
    tags: ['tokens'],
    summary: 'Revokes an API token',
    request: { params: tokenIdParam },
    responses: { 200: jsonAnswer(apiTokenSchema, 'the revoked token') },
  },
);

export function tokenRoutes({ tokens, principals }: { tokens: ApiTokenStore; principals: Principal[] }) {
  const bootstrapNames = new Set(principals.map((p) => p.name));
  return openApiRoutes()
    .openapi(issueTokenRoute, async (c) => {
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
    .openapi(listTokensRoute, async (c) => {
      const now = new Date();
      return c.json({ tokens: (await tokens.list()).map((record) => view(record, now)) }, 200);
    })
    .openapi(revokeTokenRoute, async (c) => {
      const { id } = c.req.valid('param');
      const record = await tokens.revoke(id, c.get('principal').name);
      if (!record) throw new WindsockError('not_found', `no API token has id '${id}'`);
      return c.json(view(record, new Date()), 200);
    });
}

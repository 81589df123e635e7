// Route declarations for every Windsock HTTP API: one createRoute per route carries the zod schemas the
// route validates with, the roles it needs and its answers, and the OpenAPI document is generated from
// the same declarations, so the document cannot drift from what the routes accept. A refusal goes
// through the one error envelope exactly as validate() does.
import { OpenAPIHono, createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../core/auth/principals';
import { WindsockError } from '../../core/windsock-error';
import type { ApiEnv } from './api-env';
import { requireRole } from './bearer-auth';
import { describeZodError } from './error-envelope';
import { requireJsonBody } from './validate';

/** The error envelope every Windsock API answers a refusal with (error-envelope.ts writes it). */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'bad_request' }),
      message: z.string().openapi({ example: 'body.reason: Too small: expected string to have >=1 characters' }),
      requestId: z.string(),
    }),
  })
  .openapi('ErrorEnvelope');

/** An OpenAPIHono sub-app whose validation failures are 400s naming each problem, as validate()'s are. */
export function openApiRoutes() {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new WindsockError('bad_request', describeZodError(result.target === 'json' ? 'body' : result.target, result.error));
    },
  });
}

/** A JSON request body: always validated (an absent body is checked as `{}`, as validate('json') does). */
export function jsonBody<Schema extends z.ZodType>(schema: Schema, description?: string) {
  return { required: true as const, ...(description ? { description } : {}), content: { 'application/json': { schema } } };
}

/** A JSON answer. */
export function jsonAnswer<Schema extends z.ZodType>(schema: Schema, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * The TypeScript type of a body the route builds from registry and workflow types that have no zod
 * schema of their own (yet): typed for clients, described in the document as an object with the given
 * fields. docs/api-reference.md lists the bodies described this loosely.
 */
export function typedObject<T>(name: string, description: string, properties: Record<string, { type: string; description?: string }> = {}) {
  return z.custom<T>(() => true).openapi(name, { type: 'object', description, properties: properties as never });
}

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503;
const errorDescriptions: Record<ErrorStatus, string> = {
  400: 'the request does not fit the schema (the message names each problem)',
  401: 'no bearer token, or an unknown one',
  403: "the token's principal lacks the role",
  404: 'no such resource',
  409: 'the resource is in a state that does not allow this',
  413: 'the body is larger than the limit',
  415: 'the body is not of the content type the route reads',
  422: 'the request is well formed but cannot be carried out',
  503: 'a service the route needs does not answer, or is not configured',
};

export interface RouteAccess {
  /** Who may call the route: `public` for no token, otherwise the roles any one of which suffices (admin always does). */
  roles: readonly Role[] | 'public';
  /** Refusals the route gives beyond those its declaration implies (400, 401, 403, 404, 413, 415). */
  errors?: ErrorStatus[];
  /** False for routes that refuse in a body of their own (the inference protocol's): their declaration lists its refusals. */
  envelopeErrors?: false;
}

/**
 * createRoute with the route's roles enforced (requireRole, through createRoute's middleware) and
 * documented (`x-windsock-roles`, the bearer scheme, the description), a JSON body's content type and
 * keys checked before it is validated, and the error answers the declaration implies added to the
 * document. The types are createRoute's, so handlers and `hc` clients see the declared schemas.
 */
export function apiRoute<const R extends RouteConfig>(access: RouteAccess, config: R): R {
  const roles = access.roles;
  const guarded = roles !== 'public' && !(roles.length === 1 && roles[0] === 'viewer');
  const hasJsonBody = Object.keys(config.request?.body?.content ?? {}).some((type) => /json/.test(type));
  const middleware: MiddlewareHandler[] = [
    ...(guarded ? [requireRole(...(roles as Role[]))] : []),
    ...(hasJsonBody ? [requireJsonBody] : []),
    ...((config.middleware === undefined ? [] : Array.isArray(config.middleware) ? config.middleware : [config.middleware]) as MiddlewareHandler[]),
  ];
  const statuses = new Set<ErrorStatus>(access.errors ?? []);
  if (access.envelopeErrors !== false) {
    if (config.request && Object.keys(config.request).length > 0) statuses.add(400);
    if (roles !== 'public') statuses.add(401);
    if (guarded) statuses.add(403);
    if (config.request?.params) statuses.add(404);
    if (config.request?.body) statuses.add(413);
    if (hasJsonBody) statuses.add(415);
  }
  const errors = Object.fromEntries([...statuses].sort().map((status) => [status, jsonAnswer(errorEnvelopeSchema, errorDescriptions[status])]));
  const who = roles === 'public' ? 'No token needed.' : guarded ? `Needs a bearer token with the role ${roles.join(' or ')} (admin may do everything).` : 'Needs a bearer token (any role).';
  return createRoute({
    ...config,
    description: config.description ? `${config.description}\n\n${who}` : who,
    security: roles === 'public' ? [] : [{ bearer: [] }],
    'x-windsock-roles': roles === 'public' ? [] : [...roles],
    responses: { ...errors, ...config.responses },
    middleware,
  }) as R;
}

/**
 * Puts a route that reads its own body (a stream, or one of several content types) into the document
 * without OpenAPIHono's validators, which would read the body first: the route itself stays a plain
 * Hono route with its role and validate() middleware, declared beside this.
 */
export function documentRoute<E extends Env>(app: OpenAPIHono<E>, access: RouteAccess, config: RouteConfig): void {
  const { middleware: _enforcedByTheRoute, ...documented } = apiRoute(access, config);
  app.openAPIRegistry.registerPath(documented);
}

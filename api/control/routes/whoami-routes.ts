// GET /v1/whoami: who the token signs in as (the CLI's whoami and --mine).
import { z } from 'zod';
import { roles } from '../../../core/auth/principals';
import { apiRoute, jsonAnswer, openApiRoutes } from '../../http/openapi-routes';

const whoamiRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/whoami',
    tags: ['tokens'],
    summary: 'Who the bearer token signs in as, and its roles',
    responses: { 200: jsonAnswer(z.object({ name: z.string(), roles: z.array(z.enum(roles)) }).openapi('Principal'), 'the principal') },
  },
);

export function whoamiRoutes() {
  return openApiRoutes().openapi(whoamiRoute, (c) => c.json({ name: c.get('principal').name, roles: c.get('principal').roles }, 200));
}

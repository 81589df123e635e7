// Hono context variables every Windsock app sets: the request id and the authenticated principal.
import type { Principal } from '../../core/auth/principals';

export interface ApiEnv {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}

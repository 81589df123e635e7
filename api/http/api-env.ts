// Hono context variables every Windsock app sets: the request id and the authenticated principal.
import type { Principal } from '../../core/auth/principals';

/** Who a request is from: a configured principal, or one an issued API token stands for. */
export type AuthenticatedPrincipal = Pick<Principal, 'name' | 'roles'>;

export interface ApiEnv {
  Variables: {
    requestId: string;
    principal: AuthenticatedPrincipal;
  };
}

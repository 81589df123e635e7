// The dashboard's two gates: a live session for every page (else the sign-in page), and on every
// POST both hono/csrf's Origin / Sec-Fetch-Site check and the session's own CSRF token in the form.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { ApiTokenStore } from '../../registry/api-token-store';
import type { DashboardApiClient } from './dashboard-api';
import type { DashboardEnv } from './dashboard-env';
import type { DashboardSession, SessionStore } from './dashboard-sessions';
import type { AuthenticatedPrincipal } from '../http/api-env';

export const SESSION_COOKIE = 'windsock_session';

/** Whether the browser reached us over https (directly, or through a proxy that says so). */
const overHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

export function setSessionCookie(c: Context, session: DashboardSession, lifetimeMs: number) {
  setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', secure: overHttps(c), path: '/', maxAge: Math.floor(lifetimeMs / 1000) });
}

export function clearSessionCookie(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: 'Strict', secure: overHttps(c), path: '/' });
}

export interface SessionGuardDeps {
  sessions: SessionStore;
  apiTokens: ApiTokenStore;
  api: (caller: { principal: AuthenticatedPrincipal; requestId: string }) => DashboardApiClient;
  /** The page a request without a live session gets when it cannot be redirected (a POST). */
  signedOutPage: (c: Context, status: 401, message: string) => Response | Promise<Response>;
}

export function requireSession(deps: SessionGuardDeps): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    let session = id && id.length <= 128 ? deps.sessions.use(id) : undefined;
    if (session?.apiTokenSha256) {
      // An issued token revoked or expired since sign-in ends the session at once.
      const current = await deps.apiTokens.authenticate(session.apiTokenSha256).catch(() => undefined);
      if (current) session.principal = { name: current.name, roles: [...current.roles] };
      else {
        deps.sessions.end(session.id);
        session = undefined;
      }
    }
    if (!session) {
      if (id) clearSessionCookie(c);
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect(id ? '/login?ended=1' : '/login', 303);
      return deps.signedOutPage(c, 401, 'Your session has ended or was never started: sign in again.');
    }
    c.set('session', session);
    c.set('principal', session.principal);
    c.set('api', deps.api({ principal: session.principal, requestId: c.get('requestId') ?? crypto.randomUUID() }));
    // Pages show who may do what: no shared cache may keep one person's page for another.
    c.header('cache-control', 'no-store');
    await next();
  };
}

const originCheck = csrf();

function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Whether a POST came from this site's own page (Origin or Sec-Fetch-Site): hono/csrf's check. */
export async function fromOwnOrigin(c: Context): Promise<boolean> {
  try {
    await originCheck(c, async () => undefined);
    return true;
  } catch {
    return false;
  }
}

export function requireCsrf(refused: (c: Context<DashboardEnv>, message: string) => Response | Promise<Response>): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    if (!(await fromOwnOrigin(c))) return refused(c, 'This form was sent from another site (its Origin is not this dashboard), so it was refused.');
    const type = c.req.header('content-type') ?? '';
    const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) ? await c.req.parseBody() : {};
    const token = typeof form._csrf === 'string' ? form._csrf : '';
    if (!sameToken(token, c.get('session').csrf)) return refused(c, 'This form carried no valid CSRF token (it is stale or was not made by this dashboard): reload the page and try again.');
    await next();
  };
}

// Sign-in and sign-out. POST /login takes a token (a WINDSOCK_TOKENS principal's or an issued API
// token) and resolves it through the control API's own bearerAuth, so it means exactly what it means
// as a bearer token; the browser then holds an opaque session id, never the token.
import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { isApiTokenFormat } from '../../core/auth/api-token';
import type { ApiEnv, AuthenticatedPrincipal } from '../http/api-env';
import { sha256Hex } from '../http/sha256-hex';
import type { DashboardEnv } from './dashboard-env';
import { Notice, Page } from './dashboard-layout';
import type { SessionStore } from './dashboard-sessions';
import type { LoginThrottle } from './login-throttle';
import { clearSessionCookie, fromOwnOrigin, SESSION_COOKIE, setSessionCookie } from './session-guard';

export interface LoginRouteDeps {
  sessions: SessionStore;
  throttle: LoginThrottle;
  /** The control API's bearer-token middleware (bearerAuth over WINDSOCK_TOKENS and issued tokens). */
  authenticate: MiddlewareHandler<ApiEnv>;
}

const loginForm = z.object({ token: z.string().min(1).max(512).regex(/^\S+$/) });

const LoginPage = ({ message, status }: { message?: string; status?: 'error' | 'info' }) => (
  <Page title="Sign in">
    {message ? <Notice kind={status ?? 'info'}>{message}</Notice> : null}
    <form method="post" action="/login" class="login">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required maxlength={512} />
      <button type="submit">Sign in</button>
    </form>
    <p class="hint">Sign in with the token you use for the API and the CLI (WINDSOCK_TOKENS, or one an admin issued). The browser keeps only a session cookie.</p>
  </Page>
);

/** The client's address as the socket has it (under @hono/node-server); one shared bucket otherwise. */
function clientAddress(c: { env: unknown }): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

export function loginRoutes(deps: LoginRouteDeps) {
  // The token goes through the same middleware as an API call's bearer token, in a private app.
  const probe = new Hono<ApiEnv>().get('/', deps.authenticate, (c) => c.json(c.get('principal')));
  probe.onError(() => new Response(null, { status: 401 }));
  async function principalOf(token: string): Promise<AuthenticatedPrincipal | undefined> {
    const res = await probe.request('/', { headers: { authorization: `Bearer ${token}` } });
    return res.ok ? ((await res.json()) as AuthenticatedPrincipal) : undefined;
  }

  return new Hono<DashboardEnv>()
    .get('/login', (c) => {
      const id = getCookie(c, SESSION_COOKIE);
      if (id && id.length <= 128 && deps.sessions.use(id)) return c.redirect('/', 303);
      const ended = c.req.query('ended') !== undefined;
      const out = c.req.query('signed-out') !== undefined;
      return c.html(<LoginPage message={ended ? 'Your session ended: sign in again.' : out ? 'Signed out.' : undefined} />);
    })
    .post('/login', async (c) => {
      if (!(await fromOwnOrigin(c))) {
        return c.html(<LoginPage status="error" message="This sign-in was sent from another site, so it was refused." />, 403);
      }
      const address = clientAddress(c);
      const wait = deps.throttle.retryAfterSeconds(address);
      if (wait > 0) {
        c.header('retry-after', String(wait));
        return c.html(<LoginPage status="error" message={`Too many failed sign-ins: try again in ${wait} s.`} />, 429);
      }
      const type = c.req.header('content-type') ?? '';
      const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) ? await c.req.parseBody() : {};
      const parsed = loginForm.safeParse({ token: typeof form.token === 'string' ? form.token.trim() : undefined });
      const principal = parsed.success ? await principalOf(parsed.data.token) : undefined;
      if (!parsed.success || !principal) {
        deps.throttle.failed(address);
        // Nothing about why: not whether the token was unknown, revoked, expired or malformed.
        return c.html(<LoginPage status="error" message="Sign-in failed: that token was not accepted." />, 401);
      }
      const token = parsed.data.token;
      const apiTokenSha256 = isApiTokenFormat(token) ? await sha256Hex(token) : undefined;
      const session = deps.sessions.create(principal, apiTokenSha256);
      setSessionCookie(c, session, deps.sessions.limits.absoluteMs);
      return c.redirect('/', 303);
    })
    .post('/logout', async (c) => {
      if (!(await fromOwnOrigin(c))) {
        return c.html(<LoginPage status="error" message="This sign-out was sent from another site, so it was refused." />, 403);
      }
      const id = getCookie(c, SESSION_COOKIE);
      const session = id && id.length <= 128 ? deps.sessions.use(id) : undefined;
      if (session) {
        const type = c.req.header('content-type') ?? '';
        const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) ? await c.req.parseBody() : {};
        if (form._csrf !== session.csrf) {
          return c.html(<LoginPage status="error" message="This sign-out carried no valid CSRF token, so it was refused: sign out from the dashboard's own button." />, 403);
        }
        deps.sessions.end(session.id);
      }
      clearSessionCookie(c);
      return c.redirect('/login?signed-out', 303);
    });
}

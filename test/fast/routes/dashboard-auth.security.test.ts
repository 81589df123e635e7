// The dashboard's sign-in: a token becomes an opaque HttpOnly, SameSite=Strict session cookie (never
// the token); bad tokens get a 401 page that says nothing about why; guessing is bounded; sessions
// end when idle, at their lifetime, at sign-out and when an issued token is revoked; every POST needs
// the page's Origin and the session's CSRF token. The API beside it is untouched.
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dashboardApp } from '../../../api/dashboard/dashboard-app';
import { SessionStore } from '../../../api/dashboard/dashboard-sessions';
import { LoginThrottle } from '../../../api/dashboard/login-throttle';
import { bearerAuth } from '../../../api/http/bearer-auth';
import { notFound, onError, requestId } from '../../../api/http/error-envelope';
import { apiTokenResolver } from '../../../api/control/routes/token-routes';
import type { ApiEnv } from '../../../api/http/api-env';
import { principals } from '../../test-principals';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { csrfOf, page, post, sessionCookie, signIn, tokenOf } from './dashboard-browserless';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('dashboard-auth');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

/** The dashboard alone, with a clock the test moves and small limits. */
function clockedDashboard(limits: { idleMs: number; absoluteMs: number }) {
  let now = 1_000_000;
  const sessions = new SessionStore({ ...limits, maxSessions: 100 }, () => now);
  const throttle = new LoginThrottle({ perAddress: 3, overall: 100, windowMs: 60_000 }, () => now);
  const app = new Hono<ApiEnv>()
    .use(requestId)
    .route(
      '/',
      dashboardApp({
        gateway: f.gateway,
        registry: f.registry,
        blobs: undefined as never,
        datasets: { resolve: async () => 'file:///nothing.csv' },
        templates: { get: async () => undefined, names: async () => [] },
        taskQueue: 'dashboard-auth',
        authenticate: bearerAuth(principals, apiTokenResolver(f.apiTokens)),
        apiTokens: f.apiTokens,
        sessions,
        throttle,
      }),
    );
  app.onError(onError);
  app.notFound(notFound);
  return { app, sessions, advance: (ms: number) => (now += ms) };
}

describe('sign-in', () => {
  it('a page without a session sends the browser to the sign-in form, which is served with a strict CSP', async () => {
    const home = await page(f.app, '/');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login');
    const login = await page(f.app, '/login');
    expect(login.status).toBe(200);
    expect(login.html).toContain('<form method="post" action="/login"');
    const csp = login.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('a good token sets an opaque HttpOnly, SameSite=Strict session cookie on Path=/, not the token, and lands on the inbox', async () => {
    const answer = await post(f.app, '/login', { token: tokenOf('bob') });
    expect(answer.status).toBe(303);
    const set = answer.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toMatch(/Secure/);
    expect(set).not.toContain(tokenOf('bob'));
    const home = await page(f.app, '/', sessionCookie(answer));
    expect(home.status).toBe(200);
    expect(home.html).toContain('bob (approver)');
    expect(home.headers.get('cache-control')).toBe('no-store');
  });

  it('behind an https proxy the cookie is Secure', async () => {
    const answer = await post(f.app, '/login', { token: tokenOf('carol') }, { headers: { 'x-forwarded-proto': 'https' } });
    expect(answer.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it.each([
    ['an unknown token', 'not-a-token-0123456789abcdef'],
    ['an empty token', ''],
    ['a token with spaces', 'bob token 0123456789'],
    ['an over-long token', 'x'.repeat(600)],
  ])('%s is a 401 page that says only that sign-in failed, with no cookie', async (_case, token) => {
    const answer = await post(f.app, '/login', { token });
    expect(answer.status).toBe(401);
    expect(answer.html).toContain('Sign-in failed: that token was not accepted.');
    expect(answer.html).not.toMatch(/unknown bearer token|missing bearer/);
    expect(answer.headers.get('set-cookie')).toBeNull();
  });

  it('a sign-in posted from another site is a 403', async () => {
    const answer = await post(f.app, '/login', { token: tokenOf('bob') }, { origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('set-cookie')).toBeNull();
  });

  it('after a few failures from one address sign-in answers 429 with Retry-After, even for a good token, until the window passes', async () => {
    const d = clockedDashboard({ idleMs: 60_000, absoluteMs: 600_000 });
    for (let i = 0; i < 3; i++) expect((await post(d.app, '/login', { token: `wrong-token-${i}-0123456789` })).status).toBe(401);
    const throttled = await post(d.app, '/login', { token: tokenOf('bob') });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.html).toContain('Too many failed sign-ins');
    d.advance(60_001);
    expect((await post(d.app, '/login', { token: tokenOf('bob') })).status).toBe(303);
  });

  it('an issued API token signs in as its name and roles, and revoking it ends the session at once', async () => {
    const { record, token } = await f.apiTokens.issue({ name: 'ops-bot', roles: ['viewer'], lifetimeSeconds: 3600, by: 'root' });
    const { cookie } = await signIn(f.app, token);
    expect((await page(f.app, '/', cookie)).html).toContain('ops-bot (viewer)');
    await f.apiTokens.revoke(record.id, 'root');
    // The token store caches a lookup briefly (API_TOKEN_CACHE_MS); wait on the condition, not a sleep.
    let res = await page(f.app, '/', cookie);
    for (const by = Date.now() + 5_000; res.status === 200 && Date.now() < by; res = await page(f.app, '/', cookie)) await new Promise((r) => setTimeout(r, 100));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?ended=1');
  });
});

describe('sessions end', () => {
  it('after the idle limit', async () => {
    const d = clockedDashboard({ idleMs: 60_000, absoluteMs: 600_000 });
    const { cookie } = await signIn(d.app, 'carol');
    d.advance(59_000);
    expect((await page(d.app, '/', cookie)).status).toBe(200);
    d.advance(60_001);
    const ended = await page(d.app, '/', cookie);
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe('/login?ended=1');
    expect((await page(d.app, '/login?ended=1')).html).toContain('Your session ended');
  });

  it('at the absolute lifetime, however busy', async () => {
    const d = clockedDashboard({ idleMs: 60_000, absoluteMs: 150_000 });
    const { cookie } = await signIn(d.app, 'carol');
    for (let i = 0; i < 3; i++) {
      d.advance(50_000);
      expect((await page(d.app, '/', cookie)).status).toBe(200);
    }
    d.advance(1);
    expect((await page(d.app, '/', cookie)).status).toBe(303);
    expect(d.sessions.size).toBe(0);
  });

  it('at sign-out, which needs the CSRF token; a POST with the old cookie is then a 401 page', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const forged = await post(f.app, '/logout', {}, { cookie });
    expect(forged.status).toBe(403);
    expect((await page(f.app, '/', cookie)).status).toBe(200);
    const out = await post(f.app, '/logout', { _csrf: csrf }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login?signed-out');
    expect(out.headers.get('set-cookie')).toMatch(/windsock_session=;.*Max-Age=0/);
    expect((await page(f.app, '/', cookie)).status).toBe(303);
    const stale = await post(f.app, '/pipelines/breast-cancer-0123456789abcdef/approve', { _csrf: csrf }, { cookie });
    expect(stale.status).toBe(401);
    expect(stale.html).toContain('Your session has ended');
  });

  it('an unknown or over-long session cookie is no session', async () => {
    expect((await page(f.app, '/', 'windsock_session=made-up')).headers.get('location')).toBe('/login?ended=1');
    expect((await page(f.app, '/', `windsock_session=${'a'.repeat(500)}`)).headers.get('location')).toBe('/login?ended=1');
  });
});

describe('the API beside the dashboard', () => {
  it('answers as before: /healthz, /v1 with a bearer token, and JSON 404s under /v1 for an unknown path', async () => {
    expect((await f.request('GET', '/healthz')).body).toEqual({ ok: true });
    expect((await f.request('GET', '/v1/whoami', { as: 'bob' })).body).toEqual({ name: 'bob', roles: ['approver'] });
    const missing = await f.request('GET', '/v1/nope', { as: 'bob' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/json/);
    expect(missing.headers.get('content-security-policy')).toBeNull();
  });

  it('a session cookie is no bearer token: /v1 still needs Authorization', async () => {
    const { cookie } = await signIn(f.app, 'bob');
    const res = await f.request('GET', '/v1/whoami', { headers: { cookie } });
    expect(res.status).toBe(401);
  });

  it("serves uPlot and the dashboard's own script from the package, not a CDN", async () => {
    const uplot = await page(f.app, '/assets/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toMatch(/javascript/);
    expect(uplot.html).toContain('uPlot');
    expect((await page(f.app, '/assets/dashboard.js')).html).toContain('data-chart');
    expect((await page(f.app, '/assets/nope.js')).status).toBe(404);
  });

  it('the CSRF token differs per session', async () => {
    const a = await signIn(f.app, 'bob');
    const b = await signIn(f.app, 'bob');
    expect(a.csrf).not.toBe(b.csrf);
    expect(csrfOf((await page(f.app, '/pipelines', a.cookie)).html)).toBe(a.csrf);
  });
});

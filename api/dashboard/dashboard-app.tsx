// The operator dashboard, served by the control API at `/`: sign-in, the approval inbox, pipelines,
// rollouts, models, serving charts and the audit log, server-rendered with Hono JSX. Every page reads
// and decides through the API's own route modules as the signed-in principal (dashboard-api.ts).
// Its middleware is bound to its own paths only, so /v1, /healthz and /metrics are untouched.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { ApiTokenStore } from '../../registry/api-token-store';
import type { ApiEnv } from '../http/api-env';
import { assetRoutes } from './asset-routes';
import { auditPage } from './audit-page';
import { dashboardApi, type DashboardApiDeps } from './dashboard-api';
import type { DashboardEnv } from './dashboard-env';
import { Notice, Page } from './dashboard-layout';
import { SessionStore } from './dashboard-sessions';
import { LoginThrottle } from './login-throttle';
import { loginRoutes } from './login-routes';
import { modelPages } from './model-pages';
import { inboxPage, pipelinePages } from './pipeline-pages';
import { requireCsrf, requireSession } from './session-guard';
import { servingPage } from './serving-page';

export interface DashboardDeps extends DashboardApiDeps {
  /** The control API's bearer-token middleware: sign-in resolves a token exactly as an API call would. */
  authenticate: MiddlewareHandler<ApiEnv>;
  apiTokens: ApiTokenStore;
  /** Tests pass their own (with a clock) to reach expiry; one per app otherwise. */
  sessions?: SessionStore;
  throttle?: LoginThrottle;
}

// No inline script or style, no frames, forms only to ourselves: a page that is injected into
// anyway can run nothing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('content-security-policy', CSP);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
  c.header('x-frame-options', 'DENY');
};

/** The paths the dashboard owns; everything else passes by untouched. */
const pagePaths = ['/', '/pipelines', '/pipelines/*', '/models', '/models/*', '/serving', '/audit'];

const refusedPage = (c: Context, status: 401 | 403, message: string) =>
  c.html(
    <Page title={status === 401 ? 'Signed out' : 'Refused'}>
      <Notice kind="error">
        <span data-testid="refusal">{message}</span>
      </Notice>
      <p>
        <a href={status === 401 ? '/login' : '/'}>{status === 401 ? 'Sign in' : 'Back to the dashboard'}</a>
      </p>
    </Page>,
    status,
  );

export function dashboardApp(deps: DashboardDeps) {
  const sessions = deps.sessions ?? new SessionStore();
  const throttle = deps.throttle ?? new LoginThrottle();
  const api = dashboardApi(deps);
  const signedIn = requireSession({ sessions, apiTokens: deps.apiTokens, api, signedOutPage: refusedPage });
  const csrfChecked = requireCsrf((c, message) => refusedPage(c, 403, message));

  const app = new Hono<DashboardEnv>();
  for (const path of [...pagePaths, '/login', '/logout', '/assets/*']) app.use(path, securityHeaders);
  for (const path of pagePaths) app.use(path, signedIn, csrfChecked);
  return app
    .route('/assets', assetRoutes())
    .route('/', loginRoutes({ sessions, throttle, authenticate: deps.authenticate }))
    .route('/', inboxPage())
    .route('/pipelines', pipelinePages())
    .route('/models', modelPages())
    .route('/serving', servingPage({ edge: deps.edge }))
    .route('/audit', auditPage());
}

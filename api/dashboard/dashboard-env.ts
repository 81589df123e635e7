// The Hono context of the dashboard's pages: the control API's variables, and once signed in, the
// session and an API client acting as its principal.
import type { ApiEnv } from '../http/api-env';
import type { DashboardApiClient } from './dashboard-api';
import type { DashboardSession } from './dashboard-sessions';

export interface DashboardEnv {
  Variables: ApiEnv['Variables'] & {
    session: DashboardSession;
    api: DashboardApiClient;
  };
}

// The page shell every dashboard page shares: navigation, who is signed in, sign-out, and the assets.
// No inline script or style anywhere (the Content-Security-Policy allows neither): charts read their
// data from data- attributes through /assets/dashboard.js.
import type { Child, FC } from 'hono/jsx';
import { hasRole, type Role } from '../../core/auth/principals';
import type { DashboardSession } from './dashboard-sessions';

export type Section = 'inbox' | 'pipelines' | 'models' | 'serving' | 'audit';

const sections: Array<{ id: Section; href: string; label: string }> = [
  { id: 'inbox', href: '/', label: 'Approvals' },
  { id: 'pipelines', href: '/pipelines', label: 'Pipelines' },
  { id: 'models', href: '/models', label: 'Models' },
  { id: 'serving', href: '/serving', label: 'Serving' },
  { id: 'audit', href: '/audit', label: 'Audit log' },
];

export const CsrfField: FC<{ session: DashboardSession }> = ({ session }) => <input type="hidden" name="_csrf" value={session.csrf} />;

export const Page: FC<{
  title: string;
  session?: DashboardSession;
  section?: Section;
  /** Reload every this many seconds (a live view), with a meta refresh: no script needed. */
  refreshSeconds?: number;
  charts?: boolean;
  children?: Child;
}> = ({ title, session, section, refreshSeconds, charts, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {refreshSeconds ? <meta http-equiv="refresh" content={String(refreshSeconds)} /> : null}
      <title>{title} · Windsock</title>
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/assets/dashboard.css" />
      {charts ? <link rel="stylesheet" href="/assets/uPlot.min.css" /> : null}
      {charts ? <script src="/assets/uPlot.iife.min.js" defer></script> : null}
      {charts ? <script src="/assets/dashboard.js" defer></script> : null}
    </head>
    <body>
      <header>
        <a class="brand" href="/">Windsock</a>
        {session ? (
          <nav>
            {sections.map((s) => (
              <a href={s.href} class={s.id === section ? 'active' : undefined} aria-current={s.id === section ? 'page' : undefined}>
                {s.label}
              </a>
            ))}
          </nav>
        ) : null}
        {session ? (
          <form method="post" action="/logout" class="whoami">
            <span data-testid="whoami">
              {session.principal.name} ({session.principal.roles.join(', ')})
            </span>
            <CsrfField session={session} />
            <button type="submit">Sign out</button>
          </form>
        ) : null}
      </header>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

export const Notice: FC<{ kind: 'error' | 'info' | 'ok'; children?: Child }> = ({ kind, children }) => (
  <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </p>
);

export const NotFoundPage: FC<{ session: DashboardSession; what: string }> = ({ session, what }) => (
  <Page title="Not found" session={session}>
    <Notice kind="error">{what}</Notice>
  </Page>
);

/** A chart drawn by /assets/dashboard.js with uPlot: x values (unix seconds) and named series. */
export interface ChartSpec {
  title: string;
  x: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
  /** Step lines (a value that holds until the next point: traffic weights). */
  stepped?: boolean;
  unit?: string;
  /** What x counts when it is no time (a trial's epochs): the x axis is then plain numbers, labelled so. */
  xLabel?: string;
  /** A small chart (a trial's curve among many): less tall, no legend. */
  small?: boolean;
}

export const Chart: FC<{ spec: ChartSpec; testId?: string }> = ({ spec, testId }) => (
  <figure class={spec.small ? 'chart small' : 'chart'} data-chart={JSON.stringify(spec)} data-testid={testId}>
    <figcaption>{spec.title}</figcaption>
  </figure>
);

export const can = (session: DashboardSession, role: Role) => hasRole(session.principal, role);

/** A number as a person reads it: integers whole, fractions to four places, null as a dash. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

export function when(iso: string | Date | null | undefined): string {
  if (!iso) return '–';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

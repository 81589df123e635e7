// The audit log, newest first, filtered and paged through the API's /v1/audit route.
import { Hono } from 'hono';
import { z } from 'zod';
import { answer, ApiRefusal } from './dashboard-api';
import type { DashboardEnv } from './dashboard-env';
import { Notice, Page, when } from './dashboard-layout';

const auditFilter = z.object({
  model: z.string().max(128).optional(),
  actor: z.string().max(128).optional(),
  action: z.string().max(128).optional(),
  cursor: z.string().max(64).optional(),
});

export function auditPage() {
  return new Hono<DashboardEnv>().get('/', async (c) => {
    const session = c.get('session');
    const raw = auditFilter.catch({}).parse(c.req.query());
    // Empty form fields are no filter.
    const filter = Object.fromEntries(Object.entries(raw).filter(([, v]) => v)) as z.infer<typeof auditFilter>;
    let page: { events: Array<{ id: number; at: string; actor: string; event: string; modelName: string | null; version: number | null; pipelineId: string | null; details: unknown }>; nextCursor: string | null } | undefined;
    let problem: string | undefined;
    try {
      page = (await answer(c.get('api').audit.$get({ query: { ...filter, limit: '100' } }))) as typeof page;
    } catch (err) {
      if (!(err instanceof ApiRefusal) || err.status !== 400) throw err;
      problem = err.message;
    }
    const next = page?.nextCursor ? `/audit?${new URLSearchParams({ ...filter, cursor: page.nextCursor })}` : undefined;
    return c.html(
      <Page title="Audit log" session={session} section="audit">
        <form method="get" action="/audit" class="filters">
          <input name="model" placeholder="model" value={filter.model ?? ''} maxlength={128} />
          <input name="actor" placeholder="actor" value={filter.actor ?? ''} maxlength={128} />
          <input name="action" placeholder="event (approval.approved) or prefix (rollout.)" value={filter.action ?? ''} maxlength={128} />
          <button type="submit">Filter</button>
        </form>
        {problem ? <Notice kind="error">{problem}</Notice> : null}
        <table data-testid="audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Event</th>
              <th>Model</th>
              <th>Pipeline</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {(page?.events ?? []).map((e) => (
              <tr>
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <td>{e.event}</td>
                <td>{e.modelName ? `${e.modelName}${e.version !== null ? ` v${e.version}` : ''}` : '–'}</td>
                <td>{e.pipelineId ? <a href={`/pipelines/${e.pipelineId}`}>{e.pipelineId}</a> : '–'}</td>
                <td class="mono">{e.details ? JSON.stringify(e.details).slice(0, 300) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {next ? <a href={next}>Older events</a> : null}
      </Page>,
    );
  });
}

// The approval inbox, the live pipeline list, one pipeline's evidence (challenger against champion,
// gate checks, confusion matrices, the rollout plan) with the decision forms, and the decisions
// themselves, sent through the API's approve and reject routes as the signed-in principal.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { finalStages, stages, type Stage } from '../../contracts/model-pipeline-messages';
import { pipelineId } from '../../contracts/shared-params';
import { answer, ApiRefusal, type DashboardApiClient } from './dashboard-api';
import type { DashboardEnv } from './dashboard-env';
import { can, CsrfField, NotFoundPage, Notice, num, Page, when } from './dashboard-layout';
import type { DashboardSession } from './dashboard-sessions';
import { ConfusionMatrix, RolloutPage, RolloutSummary } from './rollout-view';
import { CrossValidationSection, FairnessSection, hasTrialCurves, TrialsSection } from './experiment-view';
import { controlFlash, flashFor, FlashNotice, type RolloutAction } from './rollout-controls';

type Client = DashboardApiClient;
type PipelineBody = Awaited<ReturnType<typeof readPipeline>>;
type Listed = Awaited<ReturnType<typeof listPipelines>>['pipelines'][number];

const readPipeline = (api: Client, id: string) => answer(api.pipelines[':id'].$get({ param: { id } }));
const listPipelines = (api: Client, query: { stage?: Stage; model?: string }) => answer(api.pipelines.$get({ query: { ...query, limit: '50' } }));

/** Why this person may or may not decide on this pipeline, before they try. */
function decisionRight(session: DashboardSession, p: { submittedBy: string | null; stage: string | null }): 'decide' | 'own' | 'role' | 'closed' {
  if (p.stage !== 'awaiting_approval') return 'closed';
  if (!can(session, 'approver')) return 'role';
  return p.submittedBy === session.principal.name ? 'own' : 'decide';
}

const FourEyes = ({ right, submittedBy }: { right: ReturnType<typeof decisionRight>; submittedBy: string | null }) =>
  right === 'own' ? (
    <Notice kind="info">
      <span data-testid="four-eyes">You submitted this pipeline: under the four-eyes rule another approver must decide on it.</span>
    </Notice>
  ) : right === 'role' ? (
    <Notice kind="info">
      <span data-testid="read-only">Read only: deciding needs the approver role (submitted by {submittedBy ?? 'unknown'}).</span>
    </Notice>
  ) : null;

const StageBadge = ({ stage }: { stage: string | null }) => <span class={`stage stage-${stage ?? 'unknown'}`}>{stage ?? 'unknown'}</span>;

/** One line of evidence for the inbox: the version, the gate's verdict, and the metrics it judged against the champion's. */
const Evidence = ({ p }: { p: PipelineBody | undefined }) => {
  if (!p) return <>–</>;
  const judged = [...new Set((p.gate?.checks ?? []).map((c) => c.metric))].slice(0, 3);
  const shown = judged.length > 0 ? judged : Object.keys(p.metrics ?? {}).slice(0, 2);
  return (
    <>
      {p.version !== undefined ? `v${p.version}` : ''}
      {p.gate ? (
        <>
          {' · gate '}
          <span class={p.gate.passed ? 'pass' : 'fail'}>{p.gate.passed ? 'passed' : 'failed'}</span>
        </>
      ) : null}
      {shown.map((m) => ` · ${m} ${num(p.metrics?.[m])}${p.champion ? ` (champion ${num(p.champion.metrics[m])})` : ''}`).join('')}
    </>
  );
};

const PipelineTable = ({ pipelines, session, evidence }: { pipelines: Listed[]; session: DashboardSession; evidence?: Map<string, PipelineBody | undefined> }) =>
  pipelines.length === 0 ? (
    <p class="empty">None.</p>
  ) : (
    <table>
      <thead>
        <tr>
          <th>Pipeline</th>
          <th>Model</th>
          <th>Stage</th>
          <th>Submitted by</th>
          <th>Started</th>
          {evidence ? <th>Challenger against champion</th> : null}
          <th>You</th>
        </tr>
      </thead>
      <tbody>
        {pipelines.map((p) => {
          const right = decisionRight(session, p);
          return (
            <tr data-pipeline={p.pipelineId}>
              <td>
                <a href={`/pipelines/${p.pipelineId}`}>{p.pipelineId}</a>
              </td>
              <td>{p.model ?? '–'}</td>
              <td>
                <StageBadge stage={p.stage} />
              </td>
              <td>{p.submittedBy ?? '–'}</td>
              <td>{when(p.startTime)}</td>
              {evidence ? (
                <td>
                  <Evidence p={evidence.get(p.pipelineId)} />
                </td>
              ) : null}
              <td>{right === 'decide' ? 'may decide' : right === 'own' ? 'yours: another approver decides' : right === 'role' ? 'read only' : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );

const MetricsSideBySide = ({ p }: { p: PipelineBody }) => {
  const names = [...new Set([...Object.keys(p.metrics ?? {}), ...Object.keys(p.champion?.metrics ?? {})])].sort();
  if (names.length === 0) return <p class="empty">No metrics yet: the version is not evaluated.</p>;
  return (
    <table class="metrics">
      <thead>
        <tr>
          <th>Metric</th>
          <th>Challenger{p.version !== undefined ? ` (v${p.version})` : ''}</th>
          <th>Champion{p.champion ? ` (v${p.champion.version})` : ' (none)'}</th>
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const challenger = p.metrics?.[name] ?? null;
          const champion = p.champion?.metrics[name] ?? null;
          const delta = challenger !== null && champion !== null ? challenger - champion : null;
          return (
            <tr>
              <td>{name}</td>
              <td>{num(challenger)}</td>
              <td>{num(champion)}</td>
              <td class={delta === null ? undefined : delta >= 0 ? 'up' : 'down'}>{delta === null ? '–' : `${delta >= 0 ? '+' : ''}${num(delta)}`}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
};

const GateChecks = ({ p }: { p: PipelineBody }) =>
  !p.gate ? (
    <p class="empty">The gate has not judged this version yet.</p>
  ) : (
    <>
      <p>
        Gate: <strong class={p.gate.passed ? 'pass' : 'fail'}>{p.gate.passed ? 'passed' : 'failed'}</strong>
        {p.gate.checks.length === 0 ? ' (the gate has no checks: any version passes it)' : ''}
      </p>
      <table hidden={p.gate.checks.length === 0}>
        <thead>
          <tr>
            <th>Metric</th>
            <th>Check</th>
            <th>Challenger</th>
            <th>Required</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {p.gate.checks.map((check) => (
            <tr>
              <td>{check.metric}</td>
              <td>{check.kind}</td>
              <td>{num(check.candidate)}</td>
              <td>{num(check.required)}</td>
              <td class={check.passed ? 'pass' : 'fail'} title={check.message}>
                {check.skipped ? 'skipped' : check.passed ? 'passed' : 'failed'}: {check.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );

const Plan = ({ p }: { p: PipelineBody }) => {
  const rollout = p.plan?.rollout;
  return (
    <dl class="facts">
      <dt>Rollout</dt>
      <dd>
        {rollout
          ? `${rollout.strategy}: ${rollout.steps.map((s) => `${s}%`).join(' → ')}, baking ${rollout.bakeSeconds} s per step, each step analysed against the stable version`
          : 'none: the champion alias moves at approval'}
      </dd>
      {p.plan?.loosened?.length ? (
        <>
          <dt>Loosened by an admin</dt>
          <dd>{p.plan.loosened.map((l) => `${l.field} (${l.why})`).join('; ')}</dd>
        </>
      ) : null}
      <dt>Approval deadline</dt>
      <dd>{when(p.approval?.deadline)}</dd>
    </dl>
  );
};

const DecisionForms = ({ p, session }: { p: PipelineBody; session: DashboardSession }) => (
  <div class="decision">
    <form method="post" action={`/pipelines/${p.pipelineId}/approve`}>
      <CsrfField session={session} />
      <label for="comment">Comment (optional)</label>
      <input id="comment" name="comment" maxlength={2000} />
      <button type="submit" class="approve" data-testid="approve">
        Approve v{p.version}
      </button>
    </form>
    <form method="post" action={`/pipelines/${p.pipelineId}/reject`}>
      <CsrfField session={session} />
      <label for="reason">Reason</label>
      <input id="reason" name="reason" required maxlength={2000} />
      <button type="submit" class="reject" data-testid="reject">
        Reject
      </button>
    </form>
  </div>
);

async function versionMatrix(api: Client, model: string, version: number | undefined): Promise<number[][] | undefined> {
  if (version === undefined) return undefined;
  try {
    const v = await answer(api.models[':name'].versions[':v'].$get({ param: { name: model, v: String(version) } }));
    return (v as { confusionMatrix?: number[][] | null }).confusionMatrix ?? undefined;
  } catch {
    return undefined;
  }
}

async function PipelinePage({ c, id, refusal }: { c: Context<DashboardEnv>; id: string; refusal?: ApiRefusal }) {
  const session = c.get('session');
  const api = c.get('api');
  const p = await readPipeline(api, id);
  const [challengerMatrix, championMatrix] = await Promise.all([versionMatrix(api, p.model, p.version), versionMatrix(api, p.model, p.champion?.version)]);
  const right = decisionRight(session, p);
  const live = !finalStages.has(p.stage);
  return (
    <Page title={`Pipeline ${p.pipelineId}`} session={session} section="pipelines" refreshSeconds={live && !refusal ? 3 : undefined} charts={hasTrialCurves(p.trials)}>
      {refusal ? (
        <Notice kind="error">
          <span data-testid="refusal">
            Refused ({refusal.status}): {refusal.message}
          </span>
        </Notice>
      ) : null}
      <FlashNotice flash={flashFor(session, p.pipelineId)} />
      <dl class="facts">
        <dt>Model</dt>
        <dd>
          <a href={`/models/${p.model}`}>{p.model}</a>
          {p.version !== undefined ? (
            <>
              {' '}
              <a href={`/models/${p.model}/versions/${p.version}`}>v{p.version}</a>
            </>
          ) : null}
        </dd>
        <dt>Stage</dt>
        <dd data-testid="stage">
          <StageBadge stage={p.stage} />
        </dd>
        <dt>Submitted by</dt>
        <dd>{p.submittedBy}</dd>
        {p.retrain ? (
          <>
            <dt>Retraining</dt>
            <dd>
              {p.retrain.source}: {p.retrain.reason}
            </dd>
          </>
        ) : null}
        {p.approval?.decision ? (
          <>
            <dt>Decision</dt>
            <dd data-testid="decision">
              {p.approval.decision} by {p.approval.by ?? 'the deadline'}
              {p.approval.comment ? `: ${p.approval.comment}` : ''}
            </dd>
          </>
        ) : null}
        {p.error ? (
          <>
            <dt>Error</dt>
            <dd>{p.error.message}</dd>
          </>
        ) : null}
      </dl>
      <h2>Decision</h2>
      {right === 'decide' ? <DecisionForms p={p} session={session} /> : right === 'closed' ? <p>{p.approval?.decision ? 'Decided.' : `Not awaiting approval (${p.stage}).`}</p> : <FourEyes right={right} submittedBy={p.submittedBy} />}
      {p.approval?.refused.length ? (
        <p class="refused">Approvals the workflow refused: {p.approval.refused.map((r) => `${r.principal} (${r.reason})`).join('; ')}</p>
      ) : null}
      <h2>Challenger against champion</h2>
      <MetricsSideBySide p={p} />
      <h2>Gate checks</h2>
      <GateChecks p={p} />
      <CrossValidationSection cv={p.crossValidation} />
      <FairnessSection fairness={p.fairness} />
      <h2>Confusion matrices</h2>
      <div class="matrices">
        <ConfusionMatrix title={`Challenger${p.version !== undefined ? ` v${p.version}` : ''}`} matrix={challengerMatrix} />
        <ConfusionMatrix title={p.champion ? `Champion v${p.champion.version}` : 'Champion (none)'} matrix={championMatrix} />
      </div>
      <TrialsSection tuning={p.tuning} trials={p.trials} />
      <h2>Plan</h2>
      <Plan p={p} />
      {p.rollout ? (
        <>
          <h2>
            Rollout <a href={`/pipelines/${p.pipelineId}/rollout`}>(follow it)</a>
          </h2>
          <RolloutSummary rollout={p.rollout} />
        </>
      ) : null}
    </Page>
  );
}

const listQuery = z.object({ stage: z.enum(stages).optional().catch(undefined), model: z.string().max(128).optional().catch(undefined) });
const idParam = z.object({ id: pipelineId });
const approveForm = z.object({ comment: z.string().max(2000).optional() });
const rejectForm = z.object({ reason: z.string().trim().min(1, 'say why the version is rejected').max(2000) });

/** An id in the path that is no pipeline id: a 404 page rather than the API's 400 envelope. */
function parseId(c: Context<DashboardEnv>): string | undefined {
  const parsed = idParam.safeParse({ id: c.req.param('id') });
  return parsed.success ? parsed.data.id : undefined;
}

/** How long the inbox waits for one pipeline's status before showing it without its evidence. */
const EVIDENCE_WAIT_MS = 3000;

function within<T>(read: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

export function inboxPage() {
  return new Hono<DashboardEnv>().get('/', async (c) => {
    const session = c.get('session');
    const api = c.get('api');
    const { pipelines } = await listPipelines(api, { stage: 'awaiting_approval' });
    // Each one's status (at most a page of 50, in parallel): a pipeline that does not answer in time
    // (its worker down: Temporal holds a query until one polls) shows without, rather than holding the page.
    const evidence = new Map(await Promise.all(pipelines.map(async (p) => [p.pipelineId, await within(readPipeline(api, p.pipelineId).catch(() => undefined), EVIDENCE_WAIT_MS)] as const)));
    const mine = pipelines.filter((p) => decisionRight(session, p) === 'decide').length;
    return c.html(
      <Page title="Approval inbox" session={session} section="inbox" refreshSeconds={10}>
        <p data-testid="inbox-summary">
          {pipelines.length} pipeline{pipelines.length === 1 ? '' : 's'} awaiting approval;{' '}
          {can(session, 'approver') ? `you may decide ${mine} (never one you submitted: four-eyes).` : 'deciding needs the approver role: you can read them.'}
        </p>
        <PipelineTable pipelines={pipelines} session={session} evidence={evidence} />
      </Page>,
    );
  });
}

export function pipelinePages() {
  const decide = async (c: Context<DashboardEnv>, action: 'approve' | 'reject') => {
    const session = c.get('session');
    const id = parseId(c);
    if (!id) return c.html(<NotFoundPage session={session} what="No pipeline has that id." />, 404);
    const form = await c.req.parseBody();
    const api = c.get('api');
    try {
      if (action === 'approve') {
        const body = approveForm.parse({ comment: typeof form.comment === 'string' && form.comment.trim() ? form.comment.trim() : undefined });
        await answer(api.pipelines[':id'].approve.$post({ param: { id }, json: body }));
      } else {
        const parsed = rejectForm.safeParse({ reason: typeof form.reason === 'string' ? form.reason : '' });
        if (!parsed.success) throw new ApiRefusal(400, 'bad_request', 'say why the version is rejected (a reason of at most 2000 characters)');
        await answer(api.pipelines[':id'].reject.$post({ param: { id }, json: parsed.data }));
      }
    } catch (err) {
      if (!(err instanceof ApiRefusal)) throw err;
      if (err.status === 404) return c.html(<NotFoundPage session={session} what={err.message} />, 404);
      return c.html(await PipelinePage({ c, id, refusal: err }), err.status as 400 | 403 | 409);
    }
    return c.redirect(action === 'approve' ? `/pipelines/${id}/rollout` : `/pipelines/${id}`, 303);
  };

  /** A rollout control, sent through the API's rollout route as the signed-in principal; its refusal is shown on the rollout page. */
  const steer = async (c: Context<DashboardEnv>, action: RolloutAction) => {
    const session = c.get('session');
    const id = parseId(c);
    if (!id) return c.html(<NotFoundPage session={session} what="No pipeline has that id." />, 404);
    const form = await c.req.parseBody();
    const reason = typeof form.reason === 'string' && form.reason.trim() ? form.reason.trim() : undefined;
    const api = c.get('api');
    try {
      await answer(api.pipelines[':id'].rollout[':action'].$post({ param: { id, action }, json: reason !== undefined ? { reason } : {} }));
    } catch (err) {
      if (!(err instanceof ApiRefusal)) throw err;
      if (err.status === 404) return c.html(<NotFoundPage session={session} what={err.message} />, 404);
      return c.html(await RolloutPage({ session, api, id, refusal: err }), err.status as 400 | 403 | 409 | 503);
    }
    session.flash = controlFlash(id, action, reason);
    return c.redirect(`/pipelines/${id}/rollout`, 303);
  };

  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const session = c.get('session');
      const query = listQuery.parse(c.req.query());
      const { pipelines } = await listPipelines(c.get('api'), query);
      return c.html(
        <Page title="Pipelines" session={session} section="pipelines" refreshSeconds={5}>
          <form method="get" action="/pipelines" class="filters">
            <select name="stage">
              <option value="">any stage</option>
              {stages.map((s) => (
                <option value={s} selected={s === query.stage}>
                  {s}
                </option>
              ))}
            </select>
            <input name="model" placeholder="model" value={query.model ?? ''} maxlength={128} />
            <button type="submit">Filter</button>
          </form>
          <PipelineTable pipelines={pipelines} session={session} />
        </Page>,
      );
    })
    .get('/:id', async (c) => {
      const id = parseId(c);
      if (!id) return c.html(<NotFoundPage session={c.get('session')} what="No pipeline has that id." />, 404);
      try {
        return c.html(await PipelinePage({ c, id }));
      } catch (err) {
        if (err instanceof ApiRefusal && err.status === 404) return c.html(<NotFoundPage session={c.get('session')} what={err.message} />, 404);
        throw err;
      }
    })
    .get('/:id/rollout', async (c) => {
      const id = parseId(c);
      if (!id) return c.html(<NotFoundPage session={c.get('session')} what="No pipeline has that id." />, 404);
      try {
        return c.html(await RolloutPage({ session: c.get('session'), api: c.get('api'), id }));
      } catch (err) {
        if (err instanceof ApiRefusal && err.status === 404) return c.html(<NotFoundPage session={c.get('session')} what={err.message} />, 404);
        throw err;
      }
    })
    .post('/:id/approve', (c) => decide(c, 'approve'))
    .post('/:id/reject', (c) => decide(c, 'reject'))
    // One route per control: any other action is no page here (404), as it is no action of the API's.
    .post('/:id/rollout/pause', (c) => steer(c, 'pause'))
    .post('/:id/rollout/resume', (c) => steer(c, 'resume'))
    .post('/:id/rollout/abort', (c) => steer(c, 'abort'))
    .post('/:id/rollout/promote', (c) => steer(c, 'promote'));
}

// Models and their versions: the registry's list, one model's versions and aliases, and one version's
// lineage and model card (the API's card: data, training, artifact, evaluation, approvals, rollout).
import { Hono, type Context } from 'hono';
import { answer, ApiRefusal, modelCard } from './dashboard-api';
import type { DashboardEnv } from './dashboard-env';
import { NotFoundPage, num, Page, when } from './dashboard-layout';
import { ConfusionMatrix } from './rollout-view';
import { CrossValidationSection, FairnessSection, hasTrialCurves, TrialsSection } from './experiment-view';

const Facts = ({ facts }: { facts: Array<[string, unknown]> }) => (
  <dl class="facts">
    {facts.map(([term, value]) => (
      <>
        <dt>{term}</dt>
        <dd>{value === undefined || value === null || value === '' ? '–' : typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
      </>
    ))}
  </dl>
);

/** A missing model or version is a 404 page; any other refusal goes on to the control API's handler. */
async function orNotFound(c: Context<DashboardEnv>, render: () => Promise<Response>): Promise<Response> {
  try {
    return await render();
  } catch (err) {
    if (err instanceof ApiRefusal && (err.status === 404 || err.status === 400)) return c.html(<NotFoundPage session={c.get('session')} what={err.message} />, 404);
    throw err;
  }
}

export function modelPages() {
  return new Hono<DashboardEnv>()
    .get('/', async (c) => {
      const { models } = await answer(c.get('api').models.$get());
      return c.html(
        <Page title="Models" session={c.get('session')} section="models">
          <table>
            <thead>
              <tr>
                <th>Model</th>
                <th>Description</th>
                <th>Latest version</th>
                <th>Champion</th>
                <th>Serving</th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr>
                  <td>
                    <a href={`/models/${m.name}`}>{m.name}</a>
                  </td>
                  <td>{m.description}</td>
                  <td>{m.latestVersion ? <a href={`/models/${m.name}/versions/${m.latestVersion}`}>v{m.latestVersion}</a> : '–'}</td>
                  <td>{m.champion ? <a href={`/models/${m.name}/versions/${m.champion}`}>v{m.champion}</a> : '–'}</td>
                  <td>
                    <a href={`/serving?model=${encodeURIComponent(m.name)}`}>charts</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Page>,
      );
    })
    .get('/:name', (c) =>
      orNotFound(c, async () => {
        const name = c.req.param('name');
        const model = await answer(c.get('api').models[':name'].$get({ param: { name } }));
        const metricNames = [...new Set(model.versions.flatMap((v) => Object.keys(v.metrics ?? {})))].sort().slice(0, 6);
        return c.html(
          <Page title={`Model ${model.name}`} session={c.get('session')} section="models">
            <p>{model.description}</p>
            <Facts facts={[['Template revision', model.revision], ...Object.entries(model.aliases).map(([alias, a]): [string, unknown] => [`Alias ${alias}`, `v${a.version} (previously ${a.previousVersion ? `v${a.previousVersion}` : 'none'}; moved by ${a.updatedBy} at ${when(a.updatedAt)})`])]} />
            <h2>Versions</h2>
            <table>
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Status</th>
                  {metricNames.map((m) => (
                    <th>{m}</th>
                  ))}
                  <th>Artifact</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {model.versions.map((v) => (
                  <tr>
                    <td>
                      <a href={`/models/${model.name}/versions/${v.version}`}>v{v.version}</a>
                    </td>
                    <td>{v.status}</td>
                    {metricNames.map((m) => (
                      <td>{num((v.metrics as Record<string, number | null> | null)?.[m])}</td>
                    ))}
                    <td class="mono">{v.artifactSha256.slice(0, 12)}</td>
                    <td>{when(v.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Page>,
        );
      }),
    )
    .get('/:name/versions/:v', (c) =>
      orNotFound(c, async () => {
        const name = c.req.param('name');
        const v = c.req.param('v');
        const card = await modelCard(c.get('api'), name, v);
        const t = card.training;
        // The trials live in the pipeline's status, not in the registry: shown while Temporal still
        // keeps the pipeline (and its worker answers); a version without them simply has no section.
        const pipeline = await answer(c.get('api').pipelines[':id'].$get({ param: { id: t.pipelineId } })).catch(() => undefined);
        return c.html(
          <Page title={`${card.model} v${card.version}`} session={c.get('session')} section="models" charts={hasTrialCurves(pipeline?.trials)}>
            <p>{card.purpose}</p>
            <p>
              <a href={`/models/${card.model}/versions/${card.version}/card.md`}>Model card as Markdown</a> · <a href={`/pipelines/${t.pipelineId}`}>pipeline</a> · <a href={`/audit?model=${encodeURIComponent(card.model)}`}>audit log</a>
            </p>
            <h2>Status</h2>
            <Facts facts={[['Status', card.status.status], ['Why', card.status.reason], ['Champion', card.status.champion ? 'yes' : 'no'], ['Serving', card.serving ? `${card.serving.weight}% of traffic` : 'unknown']]} />
            <h2>Lineage</h2>
            <Facts
              facts={[
                ['Dataset', card.data.uri],
                ['Dataset sha256', card.data.sha256],
                ['Rows', card.data.rows],
                ['Features', card.data.features.join('; ')],
                ['Template revision', t.templateRevision],
                ['Parameters', t.params],
                ['Code version', t.codeVersion],
                ['Compute', `${t.compute.provider} job ${t.compute.jobId}${t.compute.seconds !== undefined ? `, ${Math.round(t.compute.seconds)} s` : ''}`],
                ['Created by', `${t.createdBy} at ${when(t.createdAt)}`],
                ['Artifact', `${card.artifact.uri} (sha256 ${card.artifact.sha256})`],
              ]}
            />
            <h2>Evaluation</h2>
            <Facts facts={Object.entries(card.evaluation.metrics).map(([k, value]): [string, unknown] => [k, num(value)])} />
            <ConfusionMatrix title="Confusion matrix (holdout)" matrix={card.evaluation.confusionMatrix} />
            <CrossValidationSection cv={card.evaluation.crossValidation} />
            <FairnessSection fairness={card.evaluation.fairness} />
            <TrialsSection tuning={pipeline?.tuning} trials={pipeline?.trials} />
            <h2>Approvals</h2>
            {card.approvals.length === 0 ? (
              <p class="empty">None.</p>
            ) : (
              <ul>
                {card.approvals.map((a) => (
                  <li>
                    {a.decision} by {a.principal} at {when(a.at)}
                    {a.comment ? `: ${a.comment}` : ''}
                  </li>
                ))}
              </ul>
            )}
            <h2>Rollout history</h2>
            {card.rollout.length === 0 ? (
              <p class="empty">None.</p>
            ) : (
              <ul>
                {card.rollout.map((e) => (
                  <li>
                    {when(e.at)} {e.event} by {e.actor}
                    {e.details ? <span class="mono"> {JSON.stringify(e.details).slice(0, 200)}</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </Page>,
        );
      }),
    )
    .get('/:name/versions/:v/card.md', (c) =>
      orNotFound(c, async () => {
        const name = c.req.param('name');
        const res = await c.get('api').models[':name'].versions[':v'].card.$get({ param: { name, v: c.req.param('v') } }, { headers: { accept: 'text/markdown' } });
        if (!res.ok) await answer(Promise.resolve(res));
        return c.body(await res.text(), 200, { 'content-type': 'text/markdown; charset=utf-8' });
      }),
    );
}

// A rollout as a person follows it: where traffic stands now, the weights over time (from the
// version's audit events), and each canary analysis with its verdict and checks.
import type { RolloutStatus } from '../../contracts/canary-rollout-messages';
import { finalStages } from '../../contracts/model-pipeline-messages';
import { answer, modelCard, type ApiRefusal, type DashboardApiClient } from './dashboard-api';
import { Chart, Notice, num, Page, type ChartSpec } from './dashboard-layout';
import type { DashboardSession } from './dashboard-sessions';
import { flashFor, FlashNotice, RolloutControls } from './rollout-controls';

export const ConfusionMatrix = ({ title, matrix }: { title: string; matrix: number[][] | undefined }) => (
  <figure class="matrix">
    <figcaption>{title}</figcaption>
    {matrix && matrix.length > 0 ? (
      <table>
        <thead>
          <tr>
            <th>actual \ predicted</th>
            {matrix[0]!.map((_, j) => (
              <th>{j}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr>
              <th>{i}</th>
              {row.map((cell, j) => (
                <td class={i === j ? 'diagonal' : undefined}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    ) : (
      <p class="empty">none</p>
    )}
  </figure>
);

export const RolloutSummary = ({ rollout }: { rollout: RolloutStatus }) => (
  <>
    <p>
      v{rollout.version} ({rollout.strategy}) at <strong data-testid="rollout-percent">{rollout.percent}%</strong>, <span data-testid="rollout-state">{rollout.paused ? 'paused' : rollout.stage}</span>
      {rollout.stableVersion !== null ? `, against stable v${rollout.stableVersion}` : ', the first version (no stable to compare)'}
      {rollout.outcome ? `: ${rollout.outcome.result.replace('_', ' ')} (${rollout.outcome.reason})` : ''}
    </p>
    <progress value={rollout.percent} max={100} aria-label="canary traffic share"></progress>
    {rollout.weights ? (
      <table class="weights">
        <thead>
          <tr>
            <th>Version</th>
            <th>Traffic</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(rollout.weights).map(([version, weight]) => (
            <tr>
              <td>v{version}</td>
              <td>
                <progress value={weight} max={100}></progress> {weight}%
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : null}
  </>
);

const Analyses = ({ rollout }: { rollout: RolloutStatus }) =>
  rollout.analyses.length === 0 ? (
    <p class="empty">No analysis yet.</p>
  ) : (
    <table data-testid="analyses">
      <thead>
        <tr>
          <th>Step</th>
          <th>Verdict</th>
          <th>Checks</th>
          <th>Why</th>
        </tr>
      </thead>
      <tbody>
        {rollout.analyses.map((a) => (
          <tr>
            <td>
              {a.percent}%{a.extensions ? ` (bake extended ${a.extensions}×)` : ''}
            </td>
            <td class={`verdict-${a.verdict}`}>{a.verdict}</td>
            <td>
              <ul>
                {a.checks.map((check) => (
                  <li class={check.passed === null ? 'skipped' : check.passed ? 'pass' : 'fail'}>
                    {check.name}: canary {num(check.canary)}, stable {num(check.stable)}, limit {num(check.threshold)}
                  </li>
                ))}
              </ul>
            </td>
            <td>{a.reasons.join('; ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

/** The weights each version had over time, from the version's rollout.weights audit events. */
function weightsOverTime(events: Array<{ at: string; event: string; details: unknown }>): ChartSpec | undefined {
  const steps = events
    .filter((e) => e.event === 'rollout.weights')
    .map((e) => ({ at: Date.parse(e.at) / 1000, weights: ((e.details as { weights?: Record<string, number> } | null)?.weights ?? {}) as Record<string, number> }));
  if (steps.length === 0) return undefined;
  // Held to now, so that the last weights show as a line rather than a point.
  steps.push({ at: Date.now() / 1000, weights: steps[steps.length - 1]!.weights });
  const versions = [...new Set(steps.flatMap((s) => Object.keys(s.weights)))].sort((a, b) => Number(a) - Number(b));
  return {
    title: 'Traffic weights over time (%)',
    x: steps.map((s) => s.at),
    series: versions.map((v) => ({ label: `v${v}`, values: steps.map((s) => s.weights[v] ?? 0) })),
    stepped: true,
    unit: '%',
  };
}

export async function RolloutPage({ session, api, id, refusal }: { session: DashboardSession; api: DashboardApiClient; id: string; refusal?: ApiRefusal }) {
  const p = await answer(api.pipelines[':id'].$get({ param: { id } }));
  const rollout = p.rollout;
  const card =
    p.version !== undefined ? await modelCard(api, p.model, String(p.version)).catch(() => undefined) : undefined;
  const chart = card ? weightsOverTime(card.rollout) : undefined;
  // Live until the pipeline ends: a rollout that has not started yet is about to.
  const live = !finalStages.has(p.stage);
  const flash = flashFor(session, p.pipelineId);
  return (
    // A refusal stays on the page until the person has read it: no reload.
    <Page title={`Rollout of ${p.model}${p.version !== undefined ? ` v${p.version}` : ''}`} session={session} section="pipelines" refreshSeconds={live && !refusal ? 2 : undefined} charts>
      {refusal ? (
        <Notice kind="error">
          <span data-testid="refusal">
            Refused ({refusal.status}): {refusal.message}
          </span>
        </Notice>
      ) : null}
      <FlashNotice flash={flash} />
      <p>
        Pipeline <a href={`/pipelines/${p.pipelineId}`}>{p.pipelineId}</a>: <span data-testid="stage">{p.stage}</span>
        {p.approval?.decision ? `, ${p.approval.decision} by ${p.approval.by ?? 'the deadline'}` : ''}
      </p>
      {rollout ? <RolloutSummary rollout={rollout} /> : <Notice kind="info">{p.plan?.rollout === null ? 'This pipeline has no rollout: the champion alias moves at approval.' : 'The rollout has not started yet.'}</Notice>}
      <RolloutControls pipelineId={p.pipelineId} stage={p.stage} submittedBy={p.submittedBy} rollout={rollout} session={session} />
      {chart ? <Chart spec={chart} testId="weights-chart" /> : null}
      <h2>Analyses</h2>
      {rollout ? <Analyses rollout={rollout} /> : <p class="empty">None yet.</p>}
    </Page>
  );
}

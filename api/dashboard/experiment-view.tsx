// What a pipeline's experiments found, as its status and its version's model card carry them: the
// tuning trials (each one's params, state, objective, time and cost, and its objective's curve by
// epoch), k-fold cross-validation (each metric's mean ± std and its value per fold) and fairness per
// sensitive feature. Every field is optional (pipelines from before they existed, a search still
// running) and is read defensively: whatever is missing shows as a dash, never as an error.
import type { PipelineStatus, TrialStatus } from '../../contracts/model-pipeline-messages';
import type { CrossValidationRecord } from '../../core/evaluation/cross-validation';
import type { FairnessRecord, FeatureFairness } from '../../core/evaluation/fairness-metrics';
import { Chart, num, type ChartSpec } from './dashboard-layout';

type Tuning = NonNullable<PipelineStatus['tuning']>;

const list = <T,>(value: T[] | null | undefined): T[] => (Array.isArray(value) ? value : []);

/** A trial's params as `name=value`, sorted by name, so that trials line up row by row. */
function paramsText(params: TrialStatus['params'] | undefined): string {
  return Object.entries(params ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${typeof value === 'number' ? num(value) : JSON.stringify(value)}`)
    .join(', ');
}

const seconds = (value: number | undefined) => (typeof value === 'number' ? `${value < 10 ? value.toFixed(1) : Math.round(value)} s` : '–');
const dollars = (value: number | undefined) => (typeof value === 'number' ? `$${value.toFixed(4)}` : '–');

/** A trial's objective by epoch, as a small chart (a trial with no point yet has none). */
export function trialCurve(trial: TrialStatus, objective: string): ChartSpec | undefined {
  const curve = list(trial.curve).filter((p) => typeof p?.epoch === 'number' && typeof p?.value === 'number');
  if (curve.length === 0) return undefined;
  return {
    title: `Trial ${trial.n}: ${objective} (${trial.state})`,
    x: curve.map((p) => p.epoch),
    series: [{ label: objective, values: curve.map((p) => (Number.isFinite(p.value) ? p.value : null)) }],
    xLabel: 'epoch',
    small: true,
  };
}

export const TrialsSection = ({ tuning, trials }: { tuning: Tuning | undefined; trials: TrialStatus[] | undefined }) => {
  const shown = list(trials);
  if (!tuning && shown.length === 0) return null;
  const objective = tuning?.objective ?? 'objective';
  const done = shown.filter((t) => t.state !== 'running').length;
  const charts = shown.map((t) => [t, trialCurve(t, objective)] as const).filter((pair): pair is readonly [TrialStatus, ChartSpec] => pair[1] !== undefined);
  return (
    <section data-testid="trials">
      <h2>Tuning trials</h2>
      {tuning ? (
        <p>
          {tuning.strategy === 'tpe' ? 'TPE' : 'Random'} search, {tuning.direction === 'minimize' ? 'minimising' : 'maximising'} <strong>{tuning.objective}</strong>: {done} of {tuning.trials} trials ended, {tuning.parallelism} at a time
          {tuning.pruning ? ', the median pruner stopping the worst' : ''}
          {tuning.best !== undefined ? (
            <>
              ; <span data-testid="best-trial">trial {tuning.best} won</span> (its model is the candidate)
            </>
          ) : (
            ''
          )}
          .
        </p>
      ) : null}
      {shown.length === 0 ? (
        <p class="empty">No trial has started yet.</p>
      ) : (
        <table class="trials">
          <thead>
            <tr>
              <th>Trial</th>
              <th>Params</th>
              <th>State</th>
              <th>{objective}</th>
              <th>Time</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr data-trial={String(t.n)} class={tuning?.best === t.n ? 'best' : undefined}>
                <td>{t.n}</td>
                <td class="mono">{paramsText(t.params)}</td>
                <td class={t.state === 'completed' ? 'pass' : t.state === 'failed' ? 'fail' : t.state === 'pruned' || t.state === 'cancelled' ? 'skipped' : undefined} title={t.reason}>
                  {t.state}
                  {t.reason ? `: ${t.reason}` : ''}
                </td>
                <td>{num(t.objective)}</td>
                <td>{seconds(t.seconds)}</td>
                <td>{dollars(t.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {charts.length > 0 ? (
        <div class="trial-curves">
          {charts.map(([t, spec]) => (
            <Chart spec={spec} testId={`trial-curve-${t.n}`} />
          ))}
        </div>
      ) : null}
    </section>
  );
};

/** Whether a section has any chart to draw (the page then loads uPlot). */
export const hasTrialCurves = (trials: TrialStatus[] | undefined) => list(trials).some((t) => list(t.curve).length > 0);

export const CrossValidationSection = ({ cv }: { cv: (CrossValidationRecord & { foldsDone?: number }) | null | undefined }) => {
  if (!cv) return null;
  const folds = typeof cv.folds === 'number' && cv.folds > 0 ? cv.folds : 0;
  const metrics = Object.entries(cv.metrics ?? {});
  const foldNumbers = Array.from({ length: folds }, (_, i) => i + 1);
  return (
    <section data-testid="cross-validation">
      <h2>Cross-validation (training split)</h2>
      <p>
        {folds} {cv.stratified ? 'stratified ' : ''}folds (seed {cv.seed})
        {cv.foldsDone !== undefined && cv.foldsDone < folds ? `: ${cv.foldsDone} of ${folds} done` : ''}
        {list(cv.validationRows).length > 0 ? `, validating on ${list(cv.validationRows).join(', ')} rows` : ''}. The gate names these figures <span class="mono">cv_&lt;metric&gt;_mean</span> and{' '}
        <span class="mono">cv_&lt;metric&gt;_std</span>.
      </p>
      {metrics.length === 0 ? (
        <p class="empty">No fold has been scored yet.</p>
      ) : (
        <table class="cv">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Mean ± std</th>
              {foldNumbers.map((i) => (
                <th>Fold {i}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {metrics.map(([name, m]) => (
              <tr data-metric={name}>
                <td>{name}</td>
                <td>
                  {num(m?.mean)} ± {num(m?.std)}
                </td>
                {foldNumbers.map((i) => (
                  <td>{num(list(m?.values)[i - 1])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

const FeatureTable = ({ feature, f, selection }: { feature: string; f: FeatureFairness; selection: boolean }) => (
  <>
    <h3>{feature}</h3>
    <table data-feature={feature}>
      <thead>
        <tr>
          <th>Group</th>
          <th>Rows</th>
          <th>Accuracy</th>
          {selection ? (
            <>
              <th>Selection rate</th>
              <th>Positives</th>
              <th>TPR</th>
              <th>FPR</th>
            </>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {Object.entries(f.groups ?? {}).map(([group, g]) => (
          <tr>
            <td>{group}</td>
            <td>{num(g?.rows)}</td>
            <td>{num(g?.accuracy)}</td>
            {selection ? (
              <>
                <td>{num(g?.selection_rate)}</td>
                <td>{num(g?.positives)}</td>
                <td>{num(g?.true_positive_rate)}</td>
                <td>{num(g?.false_positive_rate)}</td>
              </>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
    <p>
      Lowest group accuracy {num(f.accuracy_min_group)} (difference {num(f.accuracy_difference)})
      {selection ? `; demographic parity difference ${num(f.demographic_parity_difference)} (ratio ${num(f.demographic_parity_ratio)}); equalized odds difference ${num(f.equalized_odds_difference)} (ratio ${num(f.equalized_odds_ratio)})` : ''}
    </p>
  </>
);

export const FairnessSection = ({ fairness }: { fairness: FairnessRecord | null | undefined }) => {
  const features = Object.entries(fairness?.features ?? {});
  if (!fairness || features.length === 0) return null;
  const selection = fairness.favorableClass !== null && fairness.favorableClass !== undefined;
  return (
    <section data-testid="fairness">
      <h2>Fairness (holdout)</h2>
      <p>
        {selection
          ? `Favourable class ${fairness.favorableClass}: a group's selection rate is the share of it predicted as that class; TPR and FPR the shares of its rows of that class, and of the others, predicted as it.`
          : 'No favourable class: groups are compared by accuracy only.'}
      </p>
      {features.map(([feature, f]) => (
        <FeatureTable feature={feature} f={f} selection={selection} />
      ))}
    </section>
  );
};

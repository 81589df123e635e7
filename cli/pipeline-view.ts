// GET /v1/pipelines/:id as the CLI reads it: the route's own response type, with `progress` narrowed to
// what it holds. The route spreads the training activity's heartbeat into `progress` as an `object`
// (Temporal hands heartbeat details back untyped), so the epoch fields are the one thing typed here.
import type { InferResponseType } from 'hono/client';
import type { TrainingHeartbeat } from '../activities/training-activities';
import type { ControlClient } from './control-client';

export type PipelineBody = InferResponseType<ControlClient['v1']['pipelines'][':id']['$get'], 200>;

export type PipelineView = Omit<PipelineBody, 'progress'> & {
  progress?: NonNullable<PipelineBody['progress']> & Partial<TrainingHeartbeat>;
};

export function pipelineView(body: PipelineBody): PipelineView {
  return body as PipelineView;
}

/** The gate in one line: the metrics it judged and, when it failed, why. */
export function gateSummary(gate: PipelineView['gate']): string | undefined {
  if (!gate) return undefined;
  if (!gate.passed) return `gate failed: ${gate.checks.filter((c) => !c.passed).map((c) => c.message).join('; ')}`;
  const judged = new Map(gate.checks.filter((c) => c.candidate !== null).map((c) => [c.metric, c.candidate!]));
  const values = [...judged].map(([metric, value]) => `${metric}=${Number.isInteger(value) ? value : value.toFixed(4)}`).join(' ');
  return `gate passed${values ? `: ${values}` : ''}`;
}

type Tuning = NonNullable<PipelineView['tuning']>;
type Trial = NonNullable<PipelineView['trials']>[number];

/** A number as people read it: whole numbers as they are, others to four decimals, tiny ones (a learning rate) in e-notation. */
export function figure(value: number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return Number.isInteger(value) ? String(value) : Math.abs(value) >= 1e-4 ? value.toFixed(4) : value.toExponential(2);
}

/** Trials by state, in the order a search moves through them: `3 completed, 1 pruned, 2 running`. */
export function trialCounts(trials: readonly Pick<Trial, 'state'>[]): string {
  const order = ['completed', 'pruned', 'running', 'failed', 'cancelled'] as const;
  const counts = order.map((state) => [state, trials.filter((t) => t.state === state).length] as const).filter(([, n]) => n > 0);
  return counts.map(([state, n]) => `${n} ${state}`).join(', ') || 'none yet';
}

/** The search in one line: what it optimises, how, how far it got and which trial won. */
export function tuningSummary(tuning: Tuning, trials: readonly Trial[]): string {
  const how = `${tuning.strategy} search, ${tuning.direction} ${tuning.objective}, ${tuning.trials} trials (${tuning.parallelism} at a time${tuning.pruning ? ', pruning' : ''})`;
  const best = tuning.best === undefined ? undefined : trials.find((t) => t.n === tuning.best);
  const won = tuning.best === undefined ? '' : `; best trial ${tuning.best}${best?.objective !== undefined ? ` (${tuning.objective}=${figure(best.objective)})` : ''}`;
  return `${how}: ${trialCounts(trials)}${won}`;
}

/** Cross-validation as `5 folds, stratified: roc_auc=0.9812 ± 0.0041 ...` (mean ± sample std over the folds). */
export function crossValidationSummary(cv: NonNullable<PipelineView['crossValidation']>): string {
  const done = cv.foldsDone < cv.folds ? ` (${cv.foldsDone}/${cv.folds} done)` : '';
  const metrics = Object.entries(cv.metrics)
    .map(([metric, s]) => `${metric}=${figure(s.mean) ?? '-'}${s.std === null ? '' : ` ± ${figure(s.std)}`}`)
    .join(' ');
  return `${cv.folds} folds${cv.stratified ? ', stratified' : ''}${done}${metrics ? `: ${metrics}` : ''}`;
}

/** A trial's params as `k=v` pairs. */
export function paramsText(params: Trial['params']): string {
  return Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'number' ? figure(v) : String(v)}`).join(' ');
}

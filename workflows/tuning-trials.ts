// The train stage of a tuning pipeline: trials of the job over the template's search space,
// `parallelism` at a time, each a training activity with its own job key (a retried or replayed
// trial reattaches to its job, never starts a second). Trials report their objective's curve by
// signal; the median pruner stops the worst by cancelling their activities, which stop their jobs
// before they return. The best completed trial's training is the candidate.
import { ActivityCancellationType, ApplicationFailure, CancellationScope, condition, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { TrainedModel } from '../activities/training-activities';
import { trialProgressSignal, type PipelineInput, type PipelineStatus, type TrialStatus } from '../contracts/model-pipeline-messages';
import { pruneDecision } from '../core/tuning/median-pruner';
import { directionOf, prunerOf, type TrialParams } from '../core/tuning/search-space';
import { appendPoint, bestTrialIndex, seedOf, suggestTrialParams } from '../core/tuning/trial-plan';

type Activities = activities.Activities;

export interface TunedModel {
  trained: TrainedModel;
  /** The winning trial's params over the pipeline's: what the version was trained with. */
  params: Record<string, unknown>;
}

/**
 * Seconds between a trial's progress signals: one a second for small searches, slower for large
 * ones, so that a search of MAX_TRIALS trials keeps its history within Temporal's limits.
 */
export function reportEverySeconds(trials: number): number {
  return Math.max(1, Math.ceil(trials / 10));
}

export async function runTuning(input: PipelineInput, runId: string, trainUri: string, holdoutUri: string, status: PipelineStatus): Promise<TunedModel> {
  const tuning = input.tuning!;
  const direction = directionOf(tuning);
  const pruner = prunerOf(tuning);
  const seed = tuning.seed ?? seedOf(input.pipelineId);
  const { trainModel } = proxyActivities<Activities>({
    startToCloseTimeout: `${input.job.deadlineSeconds + 600} seconds`,
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1 second' },
    // A pruned or cancelled trial counts as stopped only once its activity has stopped its job.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  const trials: TrialStatus[] = [];
  status.tuning = { objective: tuning.objective, direction, strategy: tuning.strategy, trials: tuning.trials, parallelism: tuning.parallelism, pruning: pruner !== undefined };
  status.trials = trials;
  const results = new Map<number, { trained: TrainedModel; params: Record<string, unknown> }>();
  const running = new Map<number, { scope: CancellationScope; done: Promise<void>; pruned?: string }>();
  let changed = false;

  const completedCurves = () => trials.filter((t) => t.state === 'completed').map((t) => t.curve);
  const consider = (trial: TrialStatus) => {
    const run = running.get(trial.n);
    if (!pruner || !run || run.pruned !== undefined) return;
    const decision = pruneDecision({ curve: trial.curve, completed: completedCurves(), direction, pruner });
    if (!decision.prune) return;
    run.pruned = decision.median !== undefined ? `best ${decision.best} by epoch ${decision.step} is worse than the completed trials' median ${decision.median}` : `its objective is not a number at epoch ${decision.step}`;
    run.scope.cancel();
  };

  setHandler(trialProgressSignal, (progress) => {
    const trial = trials.find((t) => t.n === progress.n);
    if (!trial) return;
    for (const point of progress.points) trial.curve = appendPoint(trial.curve, point);
    if (progress.jobId) trial.jobId = progress.jobId;
    if (progress.costUsd !== undefined) trial.costUsd = progress.costUsd;
    if (trial.state === 'running') consider(trial);
  });

  const start = (n: number) => {
    const finished = trials.filter((t) => t.state === 'completed' && t.objective !== undefined).map((t) => ({ params: t.params, objective: t.objective! }));
    const sampled: TrialParams = suggestTrialParams(tuning, seed, n, finished);
    const params = { ...input.params, ...sampled };
    const trial: TrialStatus = { n, params: sampled, state: 'running', curve: [] };
    trials.push(trial);
    const scope = new CancellationScope();
    const done = scope
      .run(() =>
        trainModel({
          pipelineId: input.pipelineId,
          runId,
          model: input.model,
          job: input.job,
          params,
          spec: input.spec,
          trainUri,
          holdoutUri,
          trial: n,
          trialReporting: { n, objective: tuning.objective, everySeconds: reportEverySeconds(tuning.trials) },
        }),
      )
      .then(
        (trained) => {
          results.set(n, { trained, params });
          const final = trained.jobMetrics?.[tuning.objective];
          trial.state = 'completed';
          trial.objective = typeof final === 'number' ? final : bestOf(trial, direction);
          trial.seconds = trained.seconds;
          trial.jobId = trained.jobId;
          if (trained.costUsd !== undefined) trial.costUsd = trained.costUsd;
        },
        (err: unknown) => {
          const pruned = running.get(n)?.pruned;
          if (pruned !== undefined && isCancellation(err)) {
            trial.state = 'pruned';
            trial.reason = pruned;
            trial.objective = bestOf(trial, direction);
          } else if (isCancellation(err)) {
            trial.state = 'cancelled';
          } else {
            trial.state = 'failed';
            trial.reason = messageOf(err);
          }
        },
      )
      .finally(() => {
        running.delete(n);
        changed = true;
      });
    running.set(n, { scope, done });
  };

  try {
    let next = 1;
    while (next <= tuning.trials || running.size > 0) {
      while (running.size < tuning.parallelism && next <= tuning.trials) start(next++);
      changed = false;
      await condition(() => changed);
    }
  } catch (err) {
    if (isCancellation(err)) {
      // The pipeline was cancelled: every trial's scope was too; wait until their jobs are stopped.
      await CancellationScope.nonCancellable(() => Promise.allSettled([...running.values()].map((r) => r.done)));
    }
    throw err;
  }

  const best = bestTrialIndex(trials.map((t) => (t.state === 'completed' ? t.objective : undefined)), direction);
  if (best < 0) {
    const reasons = trials.filter((t) => t.state === 'failed').map((t) => `trial ${t.n}: ${t.reason}`);
    throw ApplicationFailure.create({ type: 'tuning_failed', message: `no tuning trial completed${reasons.length ? `: ${reasons.slice(0, 3).join('; ')}` : ''}`, nonRetryable: true });
  }
  const winner = trials[best]!;
  status.tuning.best = winner.n;
  return results.get(winner.n)!;
}

function bestOf(trial: TrialStatus, direction: 'minimize' | 'maximize'): number | undefined {
  const values = trial.curve.map((p) => p.value).filter((v) => Number.isFinite(v));
  if (values.length === 0) return undefined;
  return direction === 'minimize' ? Math.min(...values) : Math.max(...values);
}

function messageOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 500);
}

// A tuning trial's training activity tells its pipeline how the objective moves: it collects the
// objective from the job's JSON progress lines as it polls them and signals new points to the
// workflow, at most once per `everySeconds` (each signal is a history event), so the workflow can
// prune. Best effort: a lost signal costs a point of the curve, never the training.
import type { Context } from '@temporalio/activity';
import { trialProgressSignal, type TrialProgress } from '../contracts/model-pipeline-messages';
import type { CurvePoint } from '../core/tuning/median-pruner';
import type { JobStatus } from './compute/compute-provider';

export interface TrialReporting {
  n: number;
  objective: string;
  everySeconds: number;
}

export function trialProgressReporter(ctx: Context, trial: TrialReporting) {
  const unsent: CurvePoint[] = [];
  let lastEpoch = 0;
  let lastSent = 0;
  let jobId: string | undefined;
  let costUsd: number | undefined;

  async function send(): Promise<void> {
    if (unsent.length === 0) return;
    const progress: TrialProgress = { n: trial.n, points: unsent.splice(0), ...(jobId ? { jobId } : {}), ...(costUsd !== undefined ? { costUsd } : {}) };
    lastSent = Date.now();
    try {
      await ctx.client.workflow.getHandle(ctx.info.workflowExecution.workflowId).signal(trialProgressSignal, progress);
    } catch (err) {
      ctx.log.warn('could not report trial progress to the pipeline', { trial: trial.n, error: String(err) });
    }
  }

  return {
    async observe(status: JobStatus): Promise<void> {
      jobId = status.jobId;
      costUsd = status.costUsd ?? costUsd;
      const p = status.progress;
      const epoch = p?.epoch;
      const value = p?.[trial.objective];
      if (typeof epoch === 'number' && typeof value === 'number' && epoch > lastEpoch) {
        lastEpoch = epoch;
        unsent.push({ epoch, value });
      }
      if (Date.now() - lastSent >= trial.everySeconds * 1000) await send();
    },
    /** Sends what is left, so a completed trial's curve reaches its last polled epoch. */
    flush: send,
  };
}

// The scheduled drift monitor: for every version that serves traffic, drift of the last window
// against its reference profile, stored as a report. Where the model has a retrain policy, the
// report also decides (core/monitoring/retrain-trigger.ts) whether to ask for retraining; the request goes to
// the model's retrain workflow by signal-with-start, so repeated or concurrent monitor runs still
// make one pipeline. Retention (pruneServingHistory) runs beside it and deletes what has aged out.
import { computeDrift, driftPolicySchema } from '../../core/monitoring/drift-report';
import { decideRetrain, retrainPolicySchema, type RetrainDecision } from '../../core/monitoring/retrain-trigger';
import { driftCurrentOf } from '../../core/monitoring/version-sketch';
import type { RetrainRequest } from '../../contracts/retrain-model-messages';
import type { ServingStore } from './serving-store';
import { mergedSketches } from './merged-sketches';
import { checkLiveAccuracy, type AccuracyCheck } from './accuracy-monitor';
import { drainInBatches } from './bounded-prune';

export interface DriftMonitorResult {
  model: string;
  version: number;
  datasetDrift: boolean;
  driftShare: number;
  insufficientData: boolean;
  /** Only for models with a retrain policy: the decision, and whether the request was sent. */
  retrain?: { trigger: boolean; reason: string; message: string; requested?: boolean; error?: string };
  /** Only for models whose retrain policy names an accuracy floor: live accuracy against it. */
  accuracy?: AccuracyCheck;
}

/** Where the monitor sends retrain requests (the retrain workflow, through Temporal). */
export interface RetrainRequester {
  requestRetrain(model: string, request: RetrainRequest): Promise<void>;
}

export async function runDriftMonitor(store: ServingStore, now: number, options: { windowMinutes?: number; retrain?: RetrainRequester } = {}): Promise<DriftMonitorResult[]> {
  const windowMinutes = options.windowMinutes ?? 60;
  const results: DriftMonitorResult[] = [];
  const toMinute = Math.floor(now / 60_000);
  const fromMinute = toMinute - windowMinutes + 1;
  const windowEnd = new Date((toMinute + 1) * 60_000);
  for (const model of await store.listModels()) {
    const traffic = await store.getTraffic(model);
    if (!traffic) continue;
    const policy = driftPolicySchema.parse((await store.getDriftPolicy(model)) ?? {});
    const retrainSetting = await store.getRetrainPolicy(model);
    const retrainPolicy = retrainSetting ? retrainPolicySchema.parse(retrainSetting.policy) : undefined;
    const merged = await mergedSketches(store, model, fromMinute, toMinute);
    let trigger: { version: number; decision: RetrainDecision } | undefined;
    for (const [version, sketch] of merged) {
      if (!(traffic.weights[String(version)]! > 0)) continue;
      const deployment = await store.getDeployment(model, version);
      if (!deployment) continue;
      const current = driftCurrentOf(sketch);
      const report = computeDrift({ profile: deployment.referenceProfile, current, policy });
      await store.saveDriftReport({
        modelName: model,
        version,
        windowStart: new Date(fromMinute * 60_000),
        windowEnd,
        computedAt: new Date(now),
        datasetDrift: report.datasetDrift,
        report,
      });
      const result: DriftMonitorResult = { model, version, datasetDrift: report.datasetDrift, driftShare: report.driftShare, insufficientData: report.insufficientData };
      if (retrainPolicy) {
        // The retrain policy names its own drift settings; the stored report keeps the model's.
        const same = JSON.stringify(retrainPolicy.drift) === JSON.stringify(policy);
        const retrainReport = same ? report : computeDrift({ profile: deployment.referenceProfile, current, policy: retrainPolicy.drift });
        const decision = decideRetrain({ report: retrainReport, policy: retrainPolicy, lastTriggeredAt: retrainSetting!.lastTriggeredAt, now });
        result.retrain = { trigger: decision.trigger, reason: decision.reason, message: decision.message };
        if (decision.trigger && !trigger) trigger = { version, decision };
      }
      results.push(result);
    }
    if (trigger && options.retrain) {
      const result = results.find((r) => r.model === model && r.version === trigger!.version)!;
      try {
        await options.retrain.requestRetrain(model, {
          source: 'drift',
          reason: `version ${trigger.version}: ${trigger.decision.message}`,
          requestedBy: 'drift-monitor',
          cooldownSeconds: retrainPolicy!.cooldown,
          details: { version: trigger.version, windowEnd: windowEnd.toISOString(), driftShare: trigger.decision.driftShare, driftedFeatures: trigger.decision.driftedFeatures },
        });
        await store.markRetrainTriggered(model, new Date(now));
        result.retrain!.requested = true;
      } catch (err) {
        // The next monitor run asks again: nothing was marked.
        result.retrain!.requested = false;
        result.retrain!.error = (err as Error).message;
      }
    }
    if (retrainPolicy?.accuracy) {
      // A drift retrain asked for in this run counts as this window's trigger: one request, not two.
      const driftRequested = results.some((r) => r.model === model && r.retrain?.requested);
      const checks = await checkLiveAccuracy({ store, model, weights: traffic.weights, policy: retrainPolicy, lastTriggeredAt: driftRequested ? new Date(now) : retrainSetting!.lastTriggeredAt, now, retrain: options.retrain });
      for (const check of checks) {
        const result = results.find((r) => r.model === model && r.version === check.version);
        // A version with labels but no sketches in the drift window has no drift verdict.
        if (result) result.accuracy = check;
        else results.push({ model, version: check.version, datasetDrift: false, driftShare: 0, insufficientData: true, accuracy: check });
      }
    }
  }
  return results;
}

export interface RetentionOptions {
  /** Sketches and drift reports older than this many days are deleted; 0 keeps everything. */
  retentionDays: number;
  /** Rows per delete statement: each is one short write, so serving's writes wait at most for one. */
  batchRows?: number;
  /** Delete statements per table per run: a backlog is worked off over several runs. */
  maxBatches?: number;
}

export interface PruneResult {
  sketches: number;
  driftReports: number;
  /** Whether a table may still hold rows past the window: the run stopped at maxBatches. */
  more: boolean;
}

/**
 * Retention for what serving records: run beside the drift monitor (the edge's cron; a timer on
 * Node). Bounded: at most batchRows x maxBatches rows per table per run.
 */
export async function pruneServingHistory(store: ServingStore, now: number, options: RetentionOptions): Promise<PruneResult> {
  const result: PruneResult = { sketches: 0, driftReports: 0, more: false };
  if (options.retentionDays <= 0) return result;
  const batchRows = options.batchRows ?? 1000;
  const maxBatches = options.maxBatches ?? 10;
  const cutoff = now - options.retentionDays * 86_400_000;
  const drain = async (prune: () => Promise<number>): Promise<number> => {
    const { deleted, more } = await drainInBatches(prune, batchRows, maxBatches);
    if (more) result.more = true;
    return deleted;
  };
  // A minute is kept while any of it lies inside the window.
  result.sketches = await drain(() => store.pruneSketches(Math.floor(cutoff / 60_000), batchRows));
  result.driftReports = await drain(() => store.pruneDriftReports(new Date(cutoff), batchRows));
  return result;
}

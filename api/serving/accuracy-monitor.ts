// The drift monitor's ground-truth half: for a model whose retrain policy names an accuracy floor, the
// live accuracy of each serving version over the policy's window; one below the floor asks for a
// retrain (source `accuracy`, whose workflow sends the accuracy_degraded webhook), at most once per
// window (core/monitoring/live-accuracy.ts decideAccuracyAlert).
import { decideAccuracyAlert, type AccuracyDecision } from '../../core/monitoring/live-accuracy';
import type { RetrainPolicy } from '../../core/monitoring/retrain-trigger';
import type { ServingStore } from './serving-store';
import { GroundTruthStore } from './ground-truth-store';
import { readLiveAccuracy } from './accuracy-routes';
import type { RetrainRequest } from '../../contracts/retrain-model-messages';

export interface AccuracyCheck {
  version: number;
  labelled: number;
  accuracy: number | null;
  floor: number;
  decision: AccuracyDecision;
  requested?: boolean;
  error?: string;
}

export async function checkLiveAccuracy(args: {
  store: ServingStore;
  model: string;
  weights: Record<string, number>;
  policy: RetrainPolicy;
  lastTriggeredAt: Date | null;
  now: number;
  /** The drift monitor's RetrainRequester. */
  retrain?: { requestRetrain(model: string, request: RetrainRequest): Promise<void> };
}): Promise<AccuracyCheck[]> {
  const { store, model, policy, now } = args;
  const floor = policy.accuracy;
  if (!floor) return [];
  const from = now - floor.window * 1000;
  const measured = await readLiveAccuracy(store, new GroundTruthStore(store.db), model, from, now);
  const checks: AccuracyCheck[] = [];
  for (const [version, live] of measured) {
    if (!(args.weights[String(version)]! > 0)) continue;
    const decision = decideAccuracyAlert({
      labelled: live.labelled,
      accuracy: live.accuracy,
      policy: floor,
      enabled: policy.enabled,
      lastTriggeredAt: args.lastTriggeredAt,
      cooldownSeconds: policy.cooldown,
      now,
    });
    checks.push({ version, labelled: live.labelled, accuracy: live.accuracy, floor: floor.floor, decision });
  }
  const trigger = checks.find((c) => c.decision.trigger);
  if (trigger && args.retrain) {
    const windowEnd = new Date(now).toISOString();
    try {
      await args.retrain.requestRetrain(model, {
        source: 'accuracy',
        reason: `version ${trigger.version}: ${trigger.decision.message}`,
        requestedBy: 'accuracy-monitor',
        cooldownSeconds: policy.cooldown,
        details: { version: trigger.version, windowStart: new Date(from).toISOString(), windowEnd, accuracy: trigger.accuracy, floor: floor.floor, labelled: trigger.labelled },
      });
      await store.markRetrainTriggered(model, new Date(now));
      trigger.requested = true;
    } catch (err) {
      // The next monitor run asks again: nothing was marked.
      trigger.requested = false;
      trigger.error = (err as Error).message;
    }
  }
  return checks;
}

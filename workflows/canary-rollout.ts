// canaryRollout: publish a version to the edge, shift traffic to it in steps, judge it against the
// stable version after each bake, and promote it or roll it back on its own. Every exit path leaves
// the edge either on the new version (promoted) or on the stable one: never mixed.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { notifyInBackground } from './deliver-notification';
import { canaryPolicySchema, decideCanary, type CanaryDecision } from '../core/rollout/canary-decision';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  promoteRolloutSignal,
  resumeRolloutSignal,
  rolloutStatusQuery,
  type RolloutCommand,
  type RolloutInput,
  type RolloutStatus,
} from '../contracts/canary-rollout-messages';

type Activities = activities.Activities;

const edge = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 30 },
});

export async function canaryRollout(input: RolloutInput): Promise<RolloutStatus> {
  const { runId } = workflowInfo();
  const policy = canaryPolicySchema.parse(input.policy ?? {});
  const status: RolloutStatus = {
    model: input.model,
    version: input.version,
    strategy: input.strategy,
    stage: 'publishing',
    stableVersion: null,
    percent: 0,
    paused: false,
    analyses: [],
  };
  let aborted: RolloutCommand | undefined;
  let promoteNow: RolloutCommand | undefined;
  // Who paused and resumed last, for the audit log.
  let pausedBy: RolloutCommand | undefined;
  let resumedBy: RolloutCommand | undefined;
  setHandler(rolloutStatusQuery, () => status);
  setHandler(pauseRolloutSignal, (cmd) => {
    status.paused = true;
    pausedBy = cmd;
  });
  setHandler(resumeRolloutSignal, (cmd) => {
    status.paused = false;
    resumedBy = cmd;
  });
  setHandler(abortRolloutSignal, (cmd) => void (aborted ??= cmd));
  setHandler(promoteRolloutSignal, (cmd) => void (promoteNow ??= cmd));

  let events = 0;
  const audit = (event: string, details: Record<string, unknown>, actor = 'windsock') =>
    edge.recordPipelineEvent({
      dedupeKey: `${runId}:${events++}:${event}`,
      actor,
      event,
      modelName: input.model,
      version: input.version,
      pipelineId: input.pipelineId,
      details,
    });

  await edge.publishToEdge({ model: input.model, version: input.version });
  const before = await edge.getEdgeTraffic({ model: input.model });
  let step = before?.step ?? 0;
  const stable = stableVersionOf(before?.weights, input.version);
  status.stableVersion = stable;
  const v = String(input.version);

  const setWeights = async (weights: Record<string, number>, percent: number): Promise<string> => {
    step += 1;
    const result = await edge.setEdgeWeights({ model: input.model, weights, step });
    if (!result.applied) {
      throw ApplicationFailure.create({
        type: 'conflict',
        message: `a newer traffic change (step ${result.current.step}) overtook this rollout at step ${step}`,
        nonRetryable: true,
      });
    }
    status.weights = result.current.weights;
    status.percent = percent;
    await audit('rollout.weights', { weights, step, percent });
    return result.appliedAt;
  };

  const finish = async (result: 'promoted' | 'rolled_back', reason: string): Promise<RolloutStatus> => {
    status.outcome = { result, reason };
    status.stage = result;
    await audit(`rollout.${result}`, { reason, stableVersion: stable });
    if (result === 'rolled_back') await notifyRolledBack(reason);
    return status;
  };
  const notifyRolledBack = (reason: string) =>
    notifyInBackground(
      {
        kind: 'rollout_rolled_back',
        pipelineId: input.pipelineId,
        model: input.model,
        version: input.version,
        stableVersion: stable,
        reason,
        message: `version ${input.version} of ${input.model} was rolled back: ${reason}`,
      },
      `${input.pipelineId}-v${input.version}`,
    );

  // The first version of a model has nothing to compare with: it was health-checked when published.
  if (stable === null || input.strategy === 'all_at_once') {
    status.stage = 'shifting';
    await setWeights({ [v]: 100 }, 100);
    return finish('promoted', stable === null ? 'first version of the model: published and health-checked' : 'all at once');
  }

  const restoreStable = () => setWeights({ [String(stable)]: 100, [v]: 0 }, 0);
  const percents = input.strategy === 'blue_green' ? [input.steps[0] ?? 10] : input.steps.filter((p) => p < 100);

  try {
    for (const percent of percents) {
      if (promoteNow) break;
      status.stage = 'shifting';
      const bakeFrom = await setWeights({ [String(stable)]: 100 - percent, [v]: percent }, percent);
      let extensions = 0;
      for (;;) {
        status.stage = 'baking';
        await condition(() => aborted !== undefined || promoteNow !== undefined || status.paused, input.bakeSeconds * 1000);
        if (status.paused && !aborted && !promoteNow) {
          // A paused rollout holds its weights; after resuming, the step bakes again in full. Who paused
          // and resumed goes to the audit log (histories from before it was audited replay without it).
          status.stage = 'paused';
          const audited = patched('rollout-pause-audit');
          if (audited) await audit('rollout.paused', { percent, ...commandDetails(pausedBy) }, pausedBy?.principal);
          await condition(() => !status.paused || aborted !== undefined || promoteNow !== undefined);
          if (audited && !status.paused) await audit('rollout.resumed', { percent, ...commandDetails(resumedBy) }, resumedBy?.principal);
          continue;
        }
        if (aborted) {
          await restoreStable();
          await edge.markVersion({ model: input.model, version: input.version, status: 'rolled_back', reason: `aborted by ${aborted.principal}${aborted.reason ? `: ${aborted.reason}` : ''}` });
          return finish('rolled_back', `aborted by ${aborted.principal}${aborted.reason ? `: ${aborted.reason}` : ''}`);
        }
        if (promoteNow) break;

        status.stage = 'analysing';
        const window = await edge.readEdgeSketches({ model: input.model, from: bakeFrom });
        const canarySketch = window.versions[v];
        // Only a policy that judges on accuracy reads it; such policies are newer than every recorded history.
        const labelled = policy.judgeOn?.includes('accuracy') ? await edge.readEdgeAccuracy({ model: input.model, from: bakeFrom }) : undefined;
        const decision: CanaryDecision = canarySketch
          ? decideCanary({ canary: canarySketch, stable: window.versions[String(stable)], policy, extensions, canaryAccuracy: labelled?.versions[v], stableAccuracy: labelled?.versions[String(stable)] })
          : noTraffic(extensions, policy.maxExtensions, policy.onInsufficientData);
        status.analyses.push({ percent, extensions, verdict: decision.verdict, reasons: decision.reasons, checks: decision.checks });
        await audit('rollout.analysis', { percent, extensions, verdict: decision.verdict, reasons: decision.reasons });

        if (decision.verdict === 'rollback') {
          await restoreStable();
          const reason = decision.reasons.join('; ');
          await edge.markVersion({ model: input.model, version: input.version, status: 'rolled_back', reason });
          return finish('rolled_back', reason);
        }
        if (decision.verdict === 'promote') break;
        extensions += 1;
      }
    }
    status.stage = 'shifting';
    await setWeights({ [v]: 100 }, 100);
    return finish('promoted', promoteNow ? `promoted early by ${promoteNow.principal}${promoteNow.reason ? `: ${promoteNow.reason}` : ''}` : `passed ${status.analyses.length} analyses`);
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'conflict') {
      // A newer traffic change (a rollback) owns the weights now: end without touching them.
      const reason = `overtaken by a newer traffic change: ${err.message}`;
      await edge.markVersion({ model: input.model, version: input.version, status: 'rolled_back', reason });
      return finish('rolled_back', reason);
    }
    // Failure or cancellation mid-rollout: put the stable version back before giving up.
    await CancellationScope.nonCancellable(async () => {
      await restoreStable().catch(() => undefined);
      status.stage = 'rolled_back';
      status.outcome = { result: 'rolled_back', reason: `rollout stopped: ${(err as Error).message}` };
      await audit('rollout.rolled_back', { reason: status.outcome.reason });
      await notifyRolledBack(status.outcome.reason);
    });
    throw err;
  }
}

/** A pause's or resume's principal and reason as the audit log keeps them. */
function commandDetails(cmd: RolloutCommand | undefined): Record<string, string> {
  return cmd ? { by: cmd.principal, ...(cmd.reason ? { reason: cmd.reason } : {}) } : {};
}

/** The version serving most traffic other than the one rolling out; null when there is none. */
function stableVersionOf(weights: Record<string, number> | undefined, rollingOut: number): number | null {
  let best: number | null = null;
  let bestWeight = 0;
  for (const [version, weight] of Object.entries(weights ?? {})) {
    if (Number(version) === rollingOut || weight <= 0) continue;
    if (weight > bestWeight || (weight === bestWeight && Number(version) > (best ?? -1))) {
      best = Number(version);
      bestWeight = weight;
    }
  }
  return best;
}

function noTraffic(extensions: number, maxExtensions: number, onInsufficientData: 'rollback' | 'promote'): CanaryDecision {
  const exhausted = extensions >= maxExtensions;
  const message = 'the canary served no requests in the bake window';
  return {
    verdict: exhausted ? onInsufficientData : 'hold',
    reasons: [exhausted ? `${message}, after ${extensions} extensions (policy: ${onInsufficientData})` : `${message}; extending the bake`],
    checks: [{ name: 'min_requests', passed: false, canary: 0, message }],
  };
}

// The canary analysis run after each bake of a rollout (lifecycle step 6): the canary version's
// sketch against stable's, and optionally against its own reference profile, yields promote, hold
// or rollback, with every check and the numbers behind it spelled out for the rollout's history.
import { z } from 'zod';
import { computeDrift, driftPolicySchema, type DriftReport } from '../monitoring/drift-report';
import { chiSquareHomogeneity, jensenShannonDistance } from '../statistics/drift-statistics';
import { latencyQuantile } from '../monitoring/latency-sketch';
import type { ReferenceProfile } from '../monitoring/reference-profile';
import { driftCurrentOf, type VersionSketch } from '../monitoring/version-sketch';

/**
 * Limits for one pipeline's canary analysis. Every limit is a maximum the canary may reach: a
 * value exactly at a limit passes, as Flagger's thresholdRange and Argo Rollouts'
 * `successCondition: result >= 0.95` do. Unknown keys are refused so that a misspelt limit fails
 * loudly instead of silently not guarding.
 */
export const canaryPolicySchema = z.strictObject({
  /**
   * Canary requests the bake window needs before anything is judged on rates (default 50). Fewer
   * is inconclusive, as an Argo Rollouts measurement that meets neither condition: the rollout
   * holds and bakes again rather than guess.
   */
  minRequests: z.number().int().min(1).default(50),
  /** Inconclusive bakes to extend before giving up (default 3); see onInsufficientData. */
  maxExtensions: z.number().int().min(0).default(3),
  /**
   * What a canary still short of minRequests after maxExtensions gets (default 'rollback'): an
   * unjudged model does not take all the traffic unless the pipeline says so, say for a model
   * that only sees a trickle of requests.
   */
  onInsufficientData: z.enum(['rollback', 'promote']).default('rollback'),
  /**
   * Error rate the canary may always have, whatever stable's (default 0.01, Flagger's
   * request-success-rate of at least 99%). Below it, errors are not held against the canary.
   */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** Percentage points the canary may add to stable's error rate (default 0.005, half a point). */
  maxErrorRateIncrease: z.number().min(0).max(1).default(0.005),
  /**
   * Factor the canary may multiply stable's error rate by (default 2). Noise in an error rate
   * grows with the rate, so at high rates a fixed number of points would roll back good canaries.
   */
  maxErrorRateRatio: z.number().min(1).default(2),
  /** Factor the canary's p95 latency may reach over stable's (default 1.5). */
  maxLatencyRatio: z.number().min(1).default(1.5),
  /**
   * Milliseconds the canary's p95 may exceed stable's by in any case (default 5), so that a model
   * answering in 0.4 ms instead of 0.2 ms is not rolled back over noise a client never notices.
   */
  minLatencyDeltaMs: z.number().min(0).default(5),
  /**
   * Jensen-Shannon distance, natural logarithms as the drift report uses (at most sqrt(ln 2) ~
   * 0.83), allowed between the canary's and stable's predicted-class mixes (default 0.1, Evidently's
   * drift threshold on the same scale). Both serve the same traffic split at random, so a different
   * mix means the new model decides differently, which its offline metrics may not have shown.
   */
  maxPredictionDivergence: z.number().positive().default(0.1),
  /**
   * The divergence must also be significant: a chi-square test that the canary's and stable's class
   * counts come from one mix (homogeneity, both being samples) must give p below this (default 0.05).
   */
  predictionDivergencePValue: z.number().gt(0).lt(1).default(0.05),
  /**
   * Roll back when the canary's inputs drift from its reference profile (default false). The
   * router splits one stream of requests between the versions, so drift in the inputs reaches
   * stable as much as the canary, and rolling back would not undo it; drift is the drift
   * monitor's business (it starts a retrain). Turned on, it catches a canary trained on data
   * unlike what it serves, and when stable's own drift is known, only a canary that drifts while
   * stable does not rolls back.
   */
  rollbackOnDrift: z.boolean().default(false),
  /** The drift report's policy for that check; its defaults when absent. */
  drift: driftPolicySchema.optional(),
  /**
   * What the analysis judges; left out, every check but accuracy (as before ground truth). A check
   * left out is reported as not judged. `accuracy` compares live accuracy from ground-truth labels,
   * once each side has minLabels of them; `class_mix` is the predicted-class divergence.
   */
  judgeOn: z.array(z.enum(['errors', 'latency', 'class_mix', 'drift', 'accuracy'])).min(1).optional(),
  /** Labelled predictions each side needs in the bake window before accuracy is judged (default 50). */
  minLabels: z.number().int().min(1).optional(),
  /** How far the canary's accuracy may fall below stable's (default 0.02, two points). */
  maxAccuracyDrop: z.number().min(0).max(1).optional(),
  /** An accuracy the canary must reach whatever stable's; judged even without a stable to compare with. */
  minAccuracy: z.number().min(0).max(1).optional(),
});

export type CanaryPolicy = z.infer<typeof canaryPolicySchema>;
export type CanaryPolicyInput = z.input<typeof canaryPolicySchema>;

export type CanaryVerdict = 'promote' | 'hold' | 'rollback';
export type CanaryCheckName = 'min_requests' | 'error_rate' | 'latency_p95' | 'prediction_divergence' | 'drift' | 'accuracy';
export type CanaryJudgement = NonNullable<CanaryPolicy['judgeOn']>[number];

/** A version's live accuracy over the bake window, from ground-truth labels (serving's accuracy route). */
export type LabelledAccuracy = { labelled: number; accuracy: number | null };

/** The canary policy a retraining pipeline gets unless its template names judgeOn: errors, latency and accuracy, not the class mix. */
export const RETRAIN_JUDGE_ON: readonly CanaryJudgement[] = ['errors', 'latency', 'accuracy'];

export type CanaryCheck = {
  name: CanaryCheckName;
  /** null when the check was not evaluated (too little data, no stable, turned off). */
  passed: boolean | null;
  /** The canary's value; absent when unknown. */
  canary?: number;
  /** Stable's value; absent when unknown or not compared. */
  stable?: number;
  /** The most the canary's value may be (the least, for min_requests and accuracy); absent when not evaluated. */
  threshold?: number;
  message: string;
};

export type CanaryDecision = {
  verdict: CanaryVerdict;
  /** Why the verdict: the failed checks' messages for a rollback, the sample shortfall for a hold. */
  reasons: string[];
  /** Every check, always in this order: min_requests, error_rate, latency_p95, prediction_divergence, drift, then accuracy when judgeOn names it. */
  checks: CanaryCheck[];
};

export type CanaryInput = {
  canary: VersionSketch;
  /** Stable's sketch over the same window; absent for a first version, judged on absolute limits only. */
  stable?: VersionSketch;
  /** The canary version's reference profile, for the drift check. */
  canaryProfile?: ReferenceProfile;
  /** Stable's reference profile, so that drift both versions see is not held against the canary. */
  stableProfile?: ReferenceProfile;
  policy?: CanaryPolicyInput;
  /** Bakes already extended for want of requests at this step. */
  extensions: number;
  /** Live accuracy over the bake window, for judgeOn: ['accuracy', ...]. */
  canaryAccuracy?: LabelledAccuracy;
  stableAccuracy?: LabelledAccuracy;
};

function percent(rate: number): string {
  // Two decimals under 1%, where one would print 0.3% for both 1 in 300 and 1 in 400.
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`;
}

function points(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)} points`;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** Keeps the check JSON-serialisable: a value that is not finite is left out rather than written as null or NaN. */
function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function check(
  name: CanaryCheckName,
  passed: boolean | null,
  message: string,
  values: { canary?: number; stable?: number; threshold?: number } = {},
): CanaryCheck {
  const result: CanaryCheck = { name, passed, message };
  const canary = finite(values.canary);
  const stable = finite(values.stable);
  const threshold = finite(values.threshold);
  if (canary !== undefined) result.canary = canary;
  if (stable !== undefined) result.stable = stable;
  if (threshold !== undefined) result.threshold = threshold;
  return result;
}

/**
 * The error rate the canary may reach: the largest of the absolute ceiling, stable's rate plus the
 * allowed points and stable's rate times the allowed ratio. So a canary rolls back only when it is
 * above the ceiling and worse than stable by both margins: the points guard low rates, where a
 * ratio of tiny numbers means little; the ratio guards high ones, where noise exceeds any fixed
 * number of points; and a stable already failing often does not block a canary that fails as often.
 */
function allowedErrorRate(policy: CanaryPolicy, stableRate: number | null): number {
  if (stableRate === null) return policy.maxErrorRate;
  return Math.max(policy.maxErrorRate, stableRate + policy.maxErrorRateIncrease, stableRate * policy.maxErrorRateRatio);
}

function errorRateCheck(canary: VersionSketch, stable: VersionSketch | undefined, policy: CanaryPolicy, enough: boolean): CanaryCheck {
  // A stable rate from a handful of requests (the last step, where stable gets little or no
  // traffic) is noise; the canary then answers to the absolute ceiling alone, the safe side.
  const stableRate = stable !== undefined && stable.requests >= policy.minRequests ? stable.errors / stable.requests : null;
  const allowed = allowedErrorRate(policy, stableRate);
  const ceiling = percent(policy.maxErrorRate);
  let against: string;
  if (stableRate !== null) {
    const margins = `stable + ${points(policy.maxErrorRateIncrease)} and stable × ${policy.maxErrorRateRatio}`;
    against = `the most allowed beside stable's ${percent(stableRate)} (the largest of ${ceiling}, ${margins})`;
  } else {
    against = `the ${ceiling} ceiling${stable === undefined ? '' : ` (stable's ${stable.requests} requests are too few to compare)`}`;
  }
  const values = { stable: stableRate ?? undefined, threshold: allowed };

  if (!enough) {
    // Judged as if every request still missing up to minRequests succeeded: a canary past the
    // limit even then is plainly failing, and holding it for more bakes would only serve more
    // errors. Short of that, a few errors in a few requests are left for the full window to judge.
    const bestCase = canary.errors / policy.minRequests;
    const canaryRate = canary.requests === 0 ? undefined : canary.errors / canary.requests;
    if (bestCase > allowed) {
      return check(
        'error_rate',
        false,
        `canary failed ${canary.errors} of its ${canary.requests} requests: even if the rest of the ${policy.minRequests} needed succeed, ` +
          `its error rate of ${percent(bestCase)} would exceed ${percent(allowed)}, ${against}`,
        { ...values, canary: canaryRate },
      );
    }
    return check('error_rate', null, `not judged: ${canary.requests} canary requests are fewer than the ${policy.minRequests} needed`, {
      canary: canaryRate,
      stable: values.stable,
    });
  }

  const canaryRate = canary.errors / canary.requests;
  const passed = !(canaryRate > allowed);
  let excess = '';
  if (!passed && stableRate !== null) {
    excess = `; ${points(canaryRate - stableRate)} above stable's` + (stableRate > 0 ? `, ${(canaryRate / stableRate).toFixed(1)}× it` : '');
  }
  const message = passed
    ? `canary error rate ${percent(canaryRate)} (${canary.errors} of ${canary.requests}) is within ${percent(allowed)}, ${against}`
    : `canary error rate ${percent(canaryRate)} (${canary.errors} of ${canary.requests}) exceeds ${percent(allowed)}, ${against}${excess}`;
  return check('error_rate', passed, message, { ...values, canary: canaryRate });
}

/**
 * The p95 the canary may reach: stable's times the allowed ratio, and at least stable's plus the
 * allowed milliseconds, so the canary rolls back only when slower by both margins. The sketch's
 * quantiles are within 2% of the true ones, far inside a 1.5 ratio.
 */
function latencyCheck(canary: VersionSketch, stable: VersionSketch | undefined, policy: CanaryPolicy, enough: boolean): CanaryCheck {
  if (!enough) return check('latency_p95', null, `not judged: ${canary.requests} canary requests are fewer than the ${policy.minRequests} needed`);
  const canaryP95 = canary.latency.count > 0 ? latencyQuantile(canary.latency, 0.95) : undefined;
  const notJudged = (why: string) => check('latency_p95', null, `not judged: ${why}`, { canary: canaryP95 });
  if (stable === undefined) return notJudged('no stable version to compare with');
  if (canaryP95 === undefined || canary.latency.count < policy.minRequests) {
    return notJudged(`the canary has ${canary.latency.count} latencies, fewer than the ${policy.minRequests} needed`);
  }
  if (stable.latency.count < policy.minRequests) {
    return notJudged(`stable has ${stable.latency.count} latencies, fewer than the ${policy.minRequests} needed`);
  }
  const stableP95 = latencyQuantile(stable.latency, 0.95);
  const allowed = Math.max(stableP95 * policy.maxLatencyRatio, stableP95 + policy.minLatencyDeltaMs);
  const passed = !(canaryP95 > allowed);
  const limits = `stable's ${ms(stableP95)} × ${policy.maxLatencyRatio}, and at least + ${ms(policy.minLatencyDeltaMs)}`;
  const message = passed
    ? `canary p95 latency ${ms(canaryP95)} is within ${ms(allowed)} (${limits})`
    : `canary p95 latency ${ms(canaryP95)} exceeds ${ms(allowed)} (${limits}) by ${ms(canaryP95 - allowed)}`;
  return check('latency_p95', passed, message, { canary: canaryP95, stable: stableP95, threshold: allowed });
}

function divergenceCheck(canary: VersionSketch, stable: VersionSketch | undefined, policy: CanaryPolicy, enough: boolean): CanaryCheck {
  const notJudged = (why: string) => check('prediction_divergence', null, `not judged: ${why}`);
  if (!enough) return notJudged(`${canary.requests} canary requests are fewer than the ${policy.minRequests} needed`);
  if (stable === undefined) return notJudged('no stable version to compare with');
  // Both versions must list classes in one order, as models trained on one dataset spec do; a
  // different number of classes means the mixes cannot be compared, which is no fault to roll back.
  if (canary.predictions.length !== stable.predictions.length) {
    return notJudged(`the canary predicts ${canary.predictions.length} classes and stable ${stable.predictions.length}`);
  }
  const canaryRows = sum(canary.predictions);
  const stableRows = sum(stable.predictions);
  if (canaryRows < policy.minRequests) return notJudged(`the canary has ${canaryRows} predictions, fewer than the ${policy.minRequests} needed`);
  if (stableRows < policy.minRequests) return notJudged(`stable has ${stableRows} predictions, fewer than the ${policy.minRequests} needed`);
  const distance = jensenShannonDistance(stable.predictions, canary.predictions, { base: Math.E });
  // A small canary sample's class mix wanders by chance (20 requests move a share by ~0.1), so a
  // large distance counts only when a chi-square test also finds the mixes differ. Stable's mix is
  // a sample too (as small as the canary's at a 50% step), so the test is one of homogeneity: a
  // goodness of fit to stable's shares as if exact rolled back identical models about 1 in 600
  // analyses at p 0.001 with 25 canary requests.
  const { pValue } = chiSquareHomogeneity(stable.predictions, canary.predictions);
  const far = distance > policy.maxPredictionDivergence;
  const significant = pValue < policy.predictionDivergencePValue;
  const passed = !(far && significant);
  const message = passed
    ? `Jensen-Shannon distance ${distance.toFixed(3)} between the canary's and stable's predicted-class mixes is ${
        far ? `over ${policy.maxPredictionDivergence} but not significant (chi-square p ${pValue.toPrecision(2)} >= ${policy.predictionDivergencePValue})` : `within ${policy.maxPredictionDivergence}`
      }`
    : `Jensen-Shannon distance ${distance.toFixed(3)} between the canary's and stable's predicted-class mixes exceeds ${policy.maxPredictionDivergence} (chi-square p ${pValue.toPrecision(2)})`;
  return check('prediction_divergence', passed, message, { canary: distance, threshold: policy.maxPredictionDivergence });
}

function driftOf(sketch: VersionSketch, profile: ReferenceProfile, policy: CanaryPolicy): DriftReport {
  return computeDrift({ profile, current: driftCurrentOf(sketch), policy: policy.drift });
}

function driftCheck(input: CanaryInput, policy: CanaryPolicy, enough: boolean): CanaryCheck {
  const notJudged = (why: string) => check('drift', null, `not judged: ${why}`);
  if (!policy.rollbackOnDrift) return notJudged('rollbackOnDrift is off');
  if (!enough) return notJudged(`${input.canary.requests} canary requests are fewer than the ${policy.minRequests} needed`);
  if (input.canaryProfile === undefined) return notJudged('no reference profile for the canary');
  const canaryReport = driftOf(input.canary, input.canaryProfile, policy);
  const threshold = canaryReport.policy.driftShare;
  if (canaryReport.evaluatedFeatures === 0) {
    return notJudged(`no feature has the ${canaryReport.policy.minSamples} canary values the drift report needs`);
  }
  const canaryShare = canaryReport.driftShare;
  const drifted = `${canaryReport.driftedFeatures} of ${canaryReport.evaluatedFeatures} canary features drifted from its reference`;
  if (!canaryReport.datasetDrift) {
    return check('drift', true, `${drifted}, under the ${threshold} share that makes dataset drift`, { canary: canaryShare, threshold });
  }
  if (input.stable !== undefined && input.stableProfile !== undefined) {
    const stableReport = driftOf(input.stable, input.stableProfile, policy);
    if (stableReport.evaluatedFeatures > 0) {
      const values = { canary: canaryShare, stable: stableReport.driftShare, threshold };
      if (stableReport.datasetDrift) {
        return check('drift', true, `${drifted}, but stable's inputs drifted from its own reference too; rolling back would not help`, values);
      }
      return check('drift', false, `${drifted} (a share of ${canaryShare.toFixed(2)}, at least ${threshold}) while stable's did not`, values);
    }
  }
  return check('drift', false, `${drifted} (a share of ${canaryShare.toFixed(2)}, at least ${threshold})`, { canary: canaryShare, threshold });
}

/**
 * The canary's live accuracy against stable's (at most maxAccuracyDrop below it) and against the
 * policy's minAccuracy, each where it applies; not judged until the canary (and, to compare, stable)
 * has minLabels labelled predictions: labels arrive after the requests, often long after a bake.
 */
function accuracyCheck(input: CanaryInput, policy: CanaryPolicy): CanaryCheck {
  const minLabels = policy.minLabels ?? 50;
  const canary = input.canaryAccuracy;
  if (!canary || canary.accuracy === null || canary.labelled < minLabels) {
    return check('accuracy', null, `not judged: the canary has ${canary?.labelled ?? 0} labelled predictions, fewer than the ${minLabels} needed`);
  }
  const stable = input.stableAccuracy;
  const stableAccuracy = stable && stable.accuracy !== null && stable.labelled >= minLabels ? stable.accuracy : undefined;
  const limits: { threshold: number; says: string }[] = [];
  if (stableAccuracy !== undefined) {
    const drop = policy.maxAccuracyDrop ?? 0.02;
    limits.push({ threshold: stableAccuracy - drop, says: `stable's ${stableAccuracy.toFixed(4)} less ${drop}` });
  }
  if (policy.minAccuracy !== undefined) limits.push({ threshold: policy.minAccuracy, says: `the minimum ${policy.minAccuracy}` });
  const measured = `canary accuracy ${canary.accuracy.toFixed(4)} on ${canary.labelled} labels`;
  if (limits.length === 0) {
    return check('accuracy', null, `not judged: ${measured}, but stable has ${stable?.labelled ?? 0} labelled predictions (fewer than ${minLabels}) and the policy sets no minAccuracy`, { canary: canary.accuracy });
  }
  const binding = limits.reduce((a, b) => (b.threshold > a.threshold ? b : a));
  const passed = !(canary.accuracy < binding.threshold);
  const message = `${measured} is ${passed ? 'at least' : 'below'} ${binding.threshold.toFixed(4)} (${binding.says})`;
  return check('accuracy', passed, message, { canary: canary.accuracy, stable: stableAccuracy, threshold: binding.threshold });
}

/**
 * Judges one bake: rollback when any evaluated check fails; else hold while the canary lacks
 * minRequests and extensions remain, then whatever onInsufficientData says; else promote. Checks
 * that need stable are left unevaluated without one, so a first version answers to the error
 * ceiling alone. Pure and deterministic: workflows call it directly. Throws on a policy the schema
 * refuses, a negative or fractional `extensions`, or a profile that does not fit its sketch.
 */
export function decideCanary(input: CanaryInput): CanaryDecision {
  const policy = canaryPolicySchema.parse(input.policy ?? {});
  const { canary, stable, extensions } = input;
  if (!(Number.isInteger(extensions) && extensions >= 0)) throw new RangeError(`extensions must be a non-negative integer, got ${extensions}`);

  const enough = canary.requests >= policy.minRequests;
  const sample = check(
    'min_requests',
    enough,
    enough
      ? `canary served ${canary.requests} requests, at least the ${policy.minRequests} needed`
      : `canary served ${canary.requests} requests, fewer than the ${policy.minRequests} needed`,
    { canary: canary.requests, stable: stable?.requests, threshold: policy.minRequests },
  );
  const judges = (what: CanaryJudgement) => (policy.judgeOn === undefined ? what !== 'accuracy' : policy.judgeOn.includes(what));
  const left = (name: CanaryCheckName, what: CanaryJudgement) => check(name, null, `not judged: the policy's judgeOn leaves out ${what}`);
  const judged = [
    judges('errors') ? errorRateCheck(canary, stable, policy, enough) : left('error_rate', 'errors'),
    judges('latency') ? latencyCheck(canary, stable, policy, enough) : left('latency_p95', 'latency'),
    judges('class_mix') ? divergenceCheck(canary, stable, policy, enough) : left('prediction_divergence', 'class_mix'),
    judges('drift') ? driftCheck(input, policy, enough) : left('drift', 'drift'),
    ...(judges('accuracy') ? [accuracyCheck(input, policy)] : []),
  ];
  const checks = [sample, ...judged];

  const failed = judged.filter((c) => c.passed === false);
  if (failed.length > 0) return { verdict: 'rollback', reasons: failed.map((c) => c.message), checks };

  if (!enough) {
    if (extensions < policy.maxExtensions) {
      return { verdict: 'hold', reasons: [`${sample.message}; extending the bake (${extensions + 1} of ${policy.maxExtensions})`], checks };
    }
    const after = `${sample.message} after ${extensions} extension${extensions === 1 ? '' : 's'}`;
    return policy.onInsufficientData === 'promote'
      ? { verdict: 'promote', reasons: [`${after}; onInsufficientData is 'promote'`], checks }
      : { verdict: 'rollback', reasons: [`${after}; onInsufficientData is 'rollback'`], checks };
  }

  const passed = checks.filter((c) => c.passed === true).map((c) => c.name);
  const skipped = checks.filter((c) => c.passed === null).map((c) => c.name);
  return {
    verdict: 'promote',
    reasons: [`every evaluated check passed (${passed.join(', ')})${skipped.length > 0 ? `; not evaluated: ${skipped.join(', ')}` : ''}`],
    checks,
  };
}

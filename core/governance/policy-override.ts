// A model's gate and rollout policy belong to the model: a pipeline request may tighten them, never
// loosen them (unless an admin asks). These functions name every field a request's override loosens,
// comparing it with the model's template field by field.
import { canaryPolicySchema, type CanaryPolicy } from '../rollout/canary-decision';
import type { Gate } from '../evaluation/metric-gate';

export interface Loosened {
  /** The request's field, as a person would write it: `gate.f1.threshold`, `rollout.policy.minRequests`. */
  field: string;
  why: string;
}

/** Fields of the override gate that let through a model the template's gate would stop. */
export function loosenedGate(template: Gate, override: Gate): Loosened[] {
  const found: Loosened[] = [];
  for (const [metric, rule] of Object.entries(template)) {
    const mine = override[metric];
    const at = `gate.${metric}`;
    if (!mine) {
      found.push({ field: at, why: `the model's gate checks ${metric}; the request drops it` });
      continue;
    }
    if (mine.greater_is_better !== rule.greater_is_better) {
      found.push({ field: `${at}.greater_is_better`, why: `the model's gate has ${rule.greater_is_better}` });
      continue;
    }
    if (rule.threshold !== undefined) {
      const weaker = mine.threshold === undefined || (rule.greater_is_better ? mine.threshold < rule.threshold : mine.threshold > rule.threshold);
      if (weaker) found.push({ field: `${at}.threshold`, why: `the model's gate asks ${rule.greater_is_better ? 'at least' : 'at most'} ${rule.threshold}` });
    }
    for (const change of ['min_absolute_change', 'min_relative_change'] as const) {
      const theirs = rule[change];
      if (theirs !== undefined && !(mine[change] !== undefined && mine[change] >= theirs)) {
        found.push({ field: `${at}.${change}`, why: `the model's gate asks at least ${theirs}` });
      }
    }
  }
  return found;
}

/** The rollout plan's parts that bear on safety, with the canary policy's defaults applied. */
export interface RolloutRules {
  strategy: 'canary' | 'blue_green' | 'all_at_once';
  steps: number[];
  bakeSeconds: number;
  policy: CanaryPolicy;
}

/** A rollout plan's rules, its canary policy's defaults filled in. */
export function rolloutRulesOf(plan: Omit<RolloutRules, 'policy'> & { policy?: unknown }): RolloutRules {
  return { strategy: plan.strategy, steps: plan.steps, bakeSeconds: plan.bakeSeconds, policy: canaryPolicySchema.parse(plan.policy ?? {}) };
}

// From the most careful strategy to the least: each analyses less before all traffic moves.
const STRATEGY_CARE = { canary: 2, blue_green: 1, all_at_once: 0 } as const;

// Canary policy limits: larger is looser for these, smaller for the others.
const LOOSER_WHEN_LARGER = ['maxErrorRate', 'maxErrorRateIncrease', 'maxErrorRateRatio', 'maxLatencyRatio', 'minLatencyDeltaMs', 'maxPredictionDivergence'] as const;
const LOOSER_WHEN_SMALLER = ['minRequests', 'predictionDivergencePValue'] as const;

/** Fields of the requested rollout that expose more traffic, or judge it less, than the model's plan. */
export function loosenedRollout(template: RolloutRules, requested: RolloutRules): Loosened[] {
  const found: Loosened[] = [];
  if (STRATEGY_CARE[requested.strategy] < STRATEGY_CARE[template.strategy]) {
    found.push({ field: 'rollout.strategy', why: `the model rolls out by ${template.strategy}` });
  }
  const analysed = (steps: number[]) => steps.filter((p) => p < 100);
  if ((requested.steps[0] ?? 100) > (template.steps[0] ?? 100)) {
    found.push({ field: 'rollout.steps', why: `the model's first step sends ${template.steps[0]}% to a new version` });
  } else if (requested.strategy === 'canary' && analysed(requested.steps).length < analysed(template.steps).length) {
    found.push({ field: 'rollout.steps', why: `the model analyses ${analysed(template.steps).length} steps before all traffic` });
  }
  if (requested.bakeSeconds < template.bakeSeconds) {
    found.push({ field: 'rollout.bakeSeconds', why: `the model bakes each step ${template.bakeSeconds} s` });
  }
  const [mine, theirs] = [requested.policy, template.policy];
  for (const limit of LOOSER_WHEN_LARGER) {
    if (mine[limit] > theirs[limit]) found.push({ field: `rollout.policy.${limit}`, why: `the model allows at most ${theirs[limit]}` });
  }
  for (const limit of LOOSER_WHEN_SMALLER) {
    if (mine[limit] < theirs[limit]) found.push({ field: `rollout.policy.${limit}`, why: `the model asks at least ${theirs[limit]}` });
  }
  if (mine.onInsufficientData === 'promote' && theirs.onInsufficientData === 'rollback') {
    found.push({ field: 'rollout.policy.onInsufficientData', why: 'the model rolls back a canary it could not judge' });
  }
  if (theirs.rollbackOnDrift && !mine.rollbackOnDrift) {
    found.push({ field: 'rollout.policy.rollbackOnDrift', why: 'the model rolls back a canary whose inputs drift' });
  }
  return found;
}

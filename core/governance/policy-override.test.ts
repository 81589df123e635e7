import { describe, expect, it } from 'vitest';
import { canaryPolicySchema } from '../rollout/canary-decision';
import { loosenedGate, loosenedRollout, type RolloutRules } from './policy-override';

const gate = {
  roc_auc: { threshold: 0.9, greater_is_better: true },
  log_loss: { threshold: 0.3, min_absolute_change: 0.01, greater_is_better: false },
};

describe('loosenedGate', () => {
  it('passes a gate that is the same or tighter, and one that adds metrics', () => {
    expect(loosenedGate(gate, gate)).toEqual([]);
    expect(loosenedGate(gate, { ...gate, roc_auc: { threshold: 0.95, min_relative_change: 0.01, greater_is_better: true }, f1: { threshold: 0.8, greater_is_better: true } })).toEqual([]);
    expect(loosenedGate(gate, { ...gate, log_loss: { threshold: 0.2, min_absolute_change: 0.02, greater_is_better: false } })).toEqual([]);
  });

  it('names every field that lets more through: dropped metrics, lower bars, flipped directions', () => {
    expect(loosenedGate(gate, {}).map((l) => l.field)).toEqual(['gate.roc_auc', 'gate.log_loss']);
    expect(loosenedGate(gate, { ...gate, roc_auc: { threshold: 0.5, greater_is_better: true } })).toEqual([{ field: 'gate.roc_auc.threshold', why: "the model's gate asks at least 0.9" }]);
    expect(loosenedGate(gate, { ...gate, log_loss: { threshold: 0.4, greater_is_better: false } }).map((l) => l.field)).toEqual(['gate.log_loss.threshold', 'gate.log_loss.min_absolute_change']);
    expect(loosenedGate(gate, { ...gate, roc_auc: { threshold: 0.9, greater_is_better: false } }).map((l) => l.field)).toEqual(['gate.roc_auc.greater_is_better']);
    expect(loosenedGate(gate, { ...gate, roc_auc: { min_relative_change: 0.5, greater_is_better: true } }).map((l) => l.field)).toEqual(['gate.roc_auc.threshold']);
  });
});

describe('loosenedRollout', () => {
  const plan: RolloutRules = { strategy: 'canary', steps: [10, 25, 50, 100], bakeSeconds: 60, policy: canaryPolicySchema.parse({}) };
  const with_ = (change: Partial<RolloutRules>, policy: Record<string, unknown> = {}): RolloutRules => ({ ...plan, ...change, policy: canaryPolicySchema.parse(policy) });

  it('passes the same plan and a more careful one', () => {
    expect(loosenedRollout(plan, plan)).toEqual([]);
    expect(loosenedRollout(plan, with_({ steps: [5, 10, 25, 50, 100], bakeSeconds: 600 }, { minRequests: 200, maxErrorRate: 0.001, rollbackOnDrift: true }))).toEqual([]);
  });

  it('names a less careful strategy, a bigger first step, fewer analysed steps and a shorter bake', () => {
    expect(loosenedRollout(plan, with_({ strategy: 'all_at_once' })).map((l) => l.field)).toEqual(['rollout.strategy']);
    expect(loosenedRollout(plan, with_({ strategy: 'blue_green' })).map((l) => l.field)).toEqual(['rollout.strategy']);
    expect(loosenedRollout(plan, with_({ steps: [50, 100] })).map((l) => l.field)).toEqual(['rollout.steps']);
    expect(loosenedRollout(plan, with_({ steps: [10, 100] })).map((l) => l.field)).toEqual(['rollout.steps']);
    expect(loosenedRollout(plan, with_({ bakeSeconds: 1 }))).toEqual([{ field: 'rollout.bakeSeconds', why: 'the model bakes each step 60 s' }]);
  });

  it('names each canary limit that judges less: larger ceilings, smaller floors, promoting the unjudged', () => {
    const loose = with_({}, { minRequests: 5, maxErrorRate: 0.5, maxLatencyRatio: 10, predictionDivergencePValue: 1e-9, onInsufficientData: 'promote' });
    expect(loosenedRollout(plan, loose).map((l) => l.field)).toEqual([
      'rollout.policy.maxErrorRate',
      'rollout.policy.maxLatencyRatio',
      'rollout.policy.minRequests',
      'rollout.policy.predictionDivergencePValue',
      'rollout.policy.onInsufficientData',
    ]);
    const careful = with_({}, { rollbackOnDrift: true });
    expect(loosenedRollout(careful, plan).map((l) => l.field)).toEqual(['rollout.policy.rollbackOnDrift']);
  });
});

// The canary a retraining pipeline's rollout gets: the template's plan, judging errors, latency and
// live accuracy rather than the class mix unless the template's policy says what to judge. A
// retrain follows drift or failing accuracy, so a challenger that predicts a different mix than
// the champion it replaces is what was asked for, not a fault to roll back.
import { RETRAIN_JUDGE_ON, type CanaryPolicyInput } from './canary-decision';

export function retrainRolloutPlan<Plan extends { policy?: CanaryPolicyInput }>(plan: Plan): Plan {
  if (plan.policy?.judgeOn) return plan;
  return { ...plan, policy: { ...plan.policy, judgeOn: [...RETRAIN_JUDGE_ON] } };
}

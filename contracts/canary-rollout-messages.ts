// canaryRollout's input, status and messages, shared with the API and tests.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CanaryDecision, CanaryPolicyInput } from '../core/rollout/canary-decision';

export const rolloutStrategies = ['canary', 'blue_green', 'all_at_once'] as const;
export type RolloutStrategy = (typeof rolloutStrategies)[number];

export interface RolloutInput {
  pipelineId: string;
  model: string;
  version: number;
  strategy: RolloutStrategy;
  /** Canary traffic percentages in order; the rollout ends at 100. Blue-green uses the first as its slice. */
  steps: number[];
  bakeSeconds: number;
  policy?: CanaryPolicyInput;
  requestedBy: string;
}

export type RolloutStage = 'publishing' | 'shifting' | 'baking' | 'analysing' | 'paused' | 'promoted' | 'rolled_back';

export interface RolloutAnalysis {
  percent: number;
  extensions: number;
  verdict: CanaryDecision['verdict'];
  reasons: string[];
  checks: CanaryDecision['checks'];
}

export interface RolloutStatus {
  model: string;
  version: number;
  strategy: RolloutStrategy;
  stage: RolloutStage;
  stableVersion: number | null;
  percent: number;
  weights?: Record<string, number>;
  paused: boolean;
  analyses: RolloutAnalysis[];
  outcome?: { result: 'promoted' | 'rolled_back'; reason: string };
}

export interface RolloutCommand {
  principal: string;
  reason?: string;
}

export const pauseRolloutSignal = defineSignal<[RolloutCommand]>('pauseRollout');
export const resumeRolloutSignal = defineSignal<[RolloutCommand]>('resumeRollout');
export const abortRolloutSignal = defineSignal<[RolloutCommand]>('abortRollout');
export const promoteRolloutSignal = defineSignal<[RolloutCommand]>('promoteRollout');
export const rolloutStatusQuery = defineQuery<RolloutStatus>('rolloutStatus');

export const rolloutWorkflowId = (pipelineId: string) => `${pipelineId}-rollout`;

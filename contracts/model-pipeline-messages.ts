// modelPipeline's input, status and messages. The API, the CLI and the tests import these consts.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DatasetSpec } from '../core/data/dataset-spec';
import type { CrossValidationOptions, CrossValidationRecord } from '../core/evaluation/cross-validation';
import type { FairnessRecord } from '../core/evaluation/fairness-metrics';
import type { Gate, GateResult } from '../core/evaluation/metric-gate';
import type { Loosened } from '../core/governance/policy-override';
import type { JobSpec } from '../core/pipeline/pipeline-template';
import type { CurvePoint } from '../core/tuning/median-pruner';
import type { Direction, TrialParams, TuningConfig } from '../core/tuning/search-space';
import type { RolloutInput, RolloutStatus } from './canary-rollout-messages';

/** How an approved version reaches edge traffic; absent means no edge (the alias moves at approval). */
export type RolloutPlan = Pick<RolloutInput, 'strategy' | 'steps' | 'bakeSeconds' | 'policy'>;

export const stages = [
  'validating',
  'training',
  'evaluating',
  'registering',
  'awaiting_approval',
  'rolling_out',
  'promoting',
  'succeeded',
  'rejected',
  'rolled_back',
  'not_better',
  'failed',
  'cancelled',
] as const;
export type Stage = (typeof stages)[number];
export const finalStages: ReadonlySet<Stage> = new Set(['succeeded', 'rejected', 'rolled_back', 'not_better', 'failed', 'cancelled']);

/** Why a retraining pipeline runs; its challenger must beat the champion or it ends `not_better`. */
export interface RetrainCause {
  source: 'drift' | 'accuracy' | 'schedule' | 'manual' | 'new_data';
  reason: string;
  /** The dataset location the fresh file was picked from (lineage). */
  datasetLocation?: string;
  /** Skip the human approval when the challenger beat an approved champion (template.retrain.autoApprove). */
  autoApprove?: boolean;
}

export interface PipelineInput {
  pipelineId: string;
  model: string;
  /** The revision of the model's template the pipeline was planned from (lineage). */
  templateRevision?: number;
  datasetUri: string;
  spec: DatasetSpec;
  job: JobSpec;
  params: Record<string, unknown>;
  gate: Gate;
  holdout: { fraction: number; seed: number };
  approvalTimeoutSeconds: number;
  /** The reminder goes out this long before the approval deadline (default: a day, or half the window). */
  reminderBeforeSeconds?: number;
  submittedBy: string;
  rollout?: RolloutPlan;
  /** What of the model's gate and rollout policy the request loosened: only an admin may, and it shows in the plan. */
  loosened?: Loosened[];
  /** Set for retraining: a gate failure ends the pipeline as `not_better`, leaving the edge untouched. */
  retrain?: RetrainCause;
  /** The template's evaluation: with crossValidation, the evaluating stage also trains and scores a model per fold. */
  evaluation?: { crossValidation?: CrossValidationOptions };
  /** Hyperparameter tuning: the train stage runs these trials and the best completed one becomes the candidate. */
  tuning?: TuningConfig;
}

export interface PipelinePlan {
  gate: Gate;
  rollout: RolloutPlan | null;
  /** Fields an admin's request loosened against the model's own gate and rollout policy. */
  loosened?: Loosened[];
}

export type TrialState = 'running' | 'completed' | 'pruned' | 'failed' | 'cancelled';

/** One tuning trial: its params (over the template's), its objective curve by epoch (bounded) and, once it ended, its result. */
export interface TrialStatus {
  n: number;
  params: TrialParams;
  state: TrialState;
  curve: CurvePoint[];
  /** The objective it finished with (the job's final metric); for a pruned trial, its best value before it stopped. */
  objective?: number;
  seconds?: number;
  costUsd?: number;
  jobId?: string;
  /** Why it failed, or the median it fell behind when pruned. */
  reason?: string;
}

/** A trial's training activity reports the objective's new curve points (JSON progress lines of its job). */
export interface TrialProgress {
  n: number;
  points: CurvePoint[];
  jobId?: string;
  costUsd?: number;
}

export interface DecisionInput {
  principal: string;
  comment?: string;
}

export interface ApprovalState {
  requestedAt?: string;
  deadline?: string;
  decision?: 'approved' | 'rejected' | 'timed_out';
  by?: string;
  comment?: string;
  /** Approvals the workflow refused (the submitter approving their own model). */
  refused: Array<{ principal: string; reason: string }>;
}

export interface PipelineStatus {
  pipelineId: string;
  model: string;
  /** The template revision the pipeline was planned from. */
  templateRevision?: number;
  stage: Stage;
  submittedBy: string;
  /** What will judge and ship the version, shown before anyone approves it: the gate and the rollout plan (null: no rollout). */
  plan?: PipelinePlan;
  dataset?: { sha256: string; rowCount: number; trainRows: number; holdoutRows: number; warnings: string[] };
  training?: {
    provider: string;
    jobId: string;
    seconds: number;
    metrics?: Record<string, unknown>;
    /** Jobs it took: more than one when a lost job was replaced by one resuming from its checkpoints. */
    jobs?: number;
    gpuSeconds?: number;
    costUsd?: number;
  };
  version?: number;
  metrics?: Record<string, number | null>;
  /** Per sensitive feature, each group's holdout figures, for the approver to see. */
  fairness?: FairnessRecord;
  /** k-fold cross-validation on the training split: per metric its mean, standard deviation and fold values; `foldsDone` while it runs. */
  crossValidation?: CrossValidationRecord & { foldsDone: number };
  /** A tuning pipeline's search: what it optimises and, once known, the winning trial. */
  tuning?: { objective: string; direction: Direction; strategy: 'random' | 'tpe'; trials: number; parallelism: number; pruning: boolean; best?: number };
  /** Every trial of a tuning pipeline so far. */
  trials?: TrialStatus[];
  champion?: { version: number; metrics: Record<string, number | null> };
  gate?: GateResult;
  /** A retrain whose challenger did not beat the champion: both scores on the same fresh holdout. */
  notBetter?: { challenger: Record<string, number | null>; champion?: { version: number; metrics: Record<string, number | null> }; failedChecks: string[] };
  retrain?: RetrainCause;
  approval?: ApprovalState;
  rollout?: RolloutStatus;
  promoted?: { version: number; previous: number | null };
  error?: { code: string; message: string };
}

/** Kept for histories recorded before approval became an update; the API sends the updates below. */
export const approveSignal = defineSignal<[DecisionInput]>('approve');
export const rejectSignal = defineSignal<[DecisionInput]>('reject');

/**
 * The decision, accepted or refused in one step by the workflow itself: its validator refuses a
 * pipeline not awaiting approval (type `conflict`) and the submitter approving their own (`forbidden`),
 * so no check made before sending can be overtaken by the time the decision arrives.
 */
export const approveUpdate = defineUpdate<{ accepted: true }, [DecisionInput]>('approveVersion');
export const rejectUpdate = defineUpdate<{ accepted: true }, [DecisionInput]>('rejectVersion');
export const statusQuery = defineQuery<PipelineStatus>('status');
export const trialProgressSignal = defineSignal<[TrialProgress]>('trialProgress');

/**
 * The custom search attributes every pipeline carries, so that GET /v1/pipelines can list them through
 * Temporal visibility. A namespace must have them registered (Keyword), or the pipeline's first
 * workflow task fails: the dev server gets them with `--search-attribute`, a cluster or Temporal
 * Cloud with `temporal operator search-attribute create` (registerSearchAttributesCommand).
 */
type KeywordKey = Extract<SearchAttributeUpdatePair, { key: { type: 'KEYWORD' } }>['key'];
export const pipelineSearchAttributes: Record<'model' | 'stage' | 'submittedBy', KeywordKey> = {
  model: { name: 'WindsockModel', type: 'KEYWORD' },
  stage: { name: 'WindsockStage', type: 'KEYWORD' },
  submittedBy: { name: 'WindsockSubmittedBy', type: 'KEYWORD' },
};

export const pipelineSearchAttributeNames = Object.values(pipelineSearchAttributes).map((key) => key.name);

/** The Temporal CLI command that registers the attributes on a namespace. */
export function registerSearchAttributesCommand(namespace = 'default'): string {
  return `temporal operator search-attribute create --namespace ${namespace} ${pipelineSearchAttributeNames.map((name) => `--name ${name} --type Keyword`).join(' ')}`;
}

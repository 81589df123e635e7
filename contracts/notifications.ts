// What Windsock tells people about, as the notifier logs it and a webhook receiver gets it: the
// payloads the workflows send, the activities deliver and receivers parse.
import type { GateResult } from '../core/evaluation/metric-gate';
import type { PipelinePlan } from './model-pipeline-messages';

export type ApprovalNotification = {
  kind: 'approval_requested' | 'approval_reminder';
  pipelineId: string;
  model: string;
  version: number;
  deadline: string;
  /** The gate's checks as evaluated, and the plan that runs on approval: what the approver is asked to accept. */
  gate?: GateResult;
  plan?: PipelinePlan;
  message: string;
};

export type DriftNotification = {
  kind: 'drift_detected';
  model: string;
  /** The serving version whose traffic drifted. */
  version: number;
  /** End of the monitor window the drift was found in (ISO): one delivery per model, version and window. */
  windowEnd: string;
  driftShare: number;
  driftedFeatures: string[];
  /** The retraining pipeline the drift started, if it started one. */
  pipelineId?: string;
  message: string;
};

export type AccuracyDegradedNotification = {
  kind: 'accuracy_degraded';
  model: string;
  /** The serving version whose live accuracy (from ground-truth labels) fell below the floor. */
  version: number;
  /** End of the window judged (ISO): one delivery per model, version and window. */
  windowEnd: string;
  accuracy: number;
  /** The retrain policy's accuracy floor. */
  floor: number;
  /** Labelled predictions the accuracy was measured on. */
  labelled: number;
  /** The retraining pipeline it started, if it started one. */
  pipelineId?: string;
  message: string;
};

export type RollbackNotification = {
  kind: 'rollout_rolled_back';
  pipelineId: string;
  model: string;
  version: number;
  /** The version traffic went back to. */
  stableVersion: number | null;
  reason: string;
  message: string;
};

export type PipelineFailedNotification = {
  kind: 'pipeline_failed';
  pipelineId: string;
  /** The workflow run: a fixed pipeline id (`retrain:<model>`) fails once per run. */
  runId: string;
  model: string;
  /** Absent when the pipeline failed before registering a version. */
  version?: number;
  error: { code: string; message: string };
  message: string;
};

export type Notification = ApprovalNotification | DriftNotification | AccuracyDegradedNotification | RollbackNotification | PipelineFailedNotification;
export type NotificationKind = Notification['kind'];

// Shapes of registry records as the API and activities see them (JSON columns typed).
import type { FairnessRecord } from '../core/evaluation/fairness-metrics';
import type { ModelSignature } from '../core/serving/model-signature';
import type { PipelineTemplate } from '../core/pipeline/pipeline-template';
import type { Lineage, VersionStatus } from '../drizzle/schema/model-versions';

export type { Lineage, VersionStatus } from '../drizzle/schema/model-versions';

export interface NewVersion {
  modelName: string;
  artifactUri: string;
  artifactSha256: string;
  signature: ModelSignature;
  metrics: Record<string, number | null>;
  confusionMatrix: number[][];
  /** Precision, recall, F1 and support per class label (null for versions registered before they were kept). */
  classMetrics?: Record<string, Record<string, number>> | null;
  /** Per sensitive feature, each group's holdout figures (null without sensitive features). */
  fairness?: FairnessRecord | null;
  gate: unknown;
  referenceProfile: unknown;
  lineage: Lineage;
  pipelineId: string;
  pipelineRunId: string;
  createdBy: string;
}

export interface ModelVersion extends NewVersion {
  version: number;
  status: VersionStatus;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Model {
  name: string;
  description: string;
  template: PipelineTemplate;
  /** Which revision `template` is: 1 at registration, one more per change. */
  revision: number;
  createdBy: string;
  createdAt: Date;
}

export interface AuditEvent {
  dedupeKey: string;
  actor: string;
  event: string;
  modelName?: string;
  version?: number;
  pipelineId?: string;
  details?: Record<string, unknown>;
}

/** What a page of the audit log holds: newest first, `limit` events older than `beforeId`. */
export interface AuditPageFilter {
  modelName?: string;
  actor?: string;
  /** An event name (`approval.approved`), or a prefix of names ending in a dot (`rollout.`). */
  action?: string;
  /** Events at or after this instant. */
  from?: Date;
  /** Events before this instant. */
  to?: Date;
  beforeId?: number;
  limit: number;
}

/** A retraining schedule as stored in the registry (exactly one of `cron` and `everySeconds`). */
export interface RetrainSchedule {
  modelName: string;
  id: string;
  cron: string | null;
  everySeconds: number | null;
  paused: boolean;
  pauseReason: string | null;
  catchupWindowSeconds: number;
  overlap: 'skip' | 'buffer_one';
  note: string;
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
}

/** What saving a model's template did: registered it, made the next revision, or found it unchanged. */
export interface SavedTemplate {
  revision: number;
  outcome: 'created' | 'revised' | 'unchanged';
}

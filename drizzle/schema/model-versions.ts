import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { CrossValidationRecord } from '../../core/evaluation/cross-validation';
import type { FairnessRecord } from '../../core/evaluation/fairness-metrics';
import type { ModelSignature } from '../../core/serving/model-signature';
import { models } from './models';

export const versionStatuses = ['pending_approval', 'approved', 'rejected', 'rolled_back', 'archived'] as const;
export type VersionStatus = (typeof versionStatuses)[number];

/** Where a version came from: data, code, parameters, compute and the workflow that made it. */
export interface Lineage {
  datasetUri: string;
  /** The revision of the model's template the pipeline ran (absent for versions made before revisions). */
  templateRevision?: number;
  /** For retraining: the location the fresh dataset file was picked from, and what started it. */
  datasetLocation?: string;
  retrainSource?: string;
  datasetSha256: string;
  trainSplitUri: string;
  holdoutSplitUri: string;
  codeVersion: string;
  params: Record<string, unknown>;
  computeProvider: string;
  computeJobId: string;
  /** Wall time of the training job, and from providers that know a price its GPU-seconds and cost. */
  computeSeconds?: number;
  computeGpuSeconds?: number;
  computeCostUsd?: number;
  jobLogsUri?: string;
  jobMetrics?: Record<string, unknown>;
  /** k-fold cross-validation on the training split (template evaluation.crossValidation): per metric mean, std and fold values. */
  crossValidation?: CrossValidationRecord;
  workflowId: string;
  runId: string;
}

/** One registered version of a model: artifact, signature, evaluation, drift reference and lineage. */
export const modelVersions = sqliteTable(
  'model_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelName: text('model_name').notNull().references(() => models.name),
    version: integer('version').notNull(),
    status: text('status', { enum: versionStatuses }).notNull(),
    statusReason: text('status_reason'),
    artifactUri: text('artifact_uri').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    signature: text('signature', { mode: 'json' }).$type<ModelSignature>().notNull(),
    metrics: text('metrics', { mode: 'json' }).$type<Record<string, number | null>>().notNull(),
    confusionMatrix: text('confusion_matrix', { mode: 'json' }).$type<number[][]>().notNull(),
    /** Precision, recall, F1 and support of each class on the holdout, by class label (absent before multi-class metrics). */
    classMetrics: text('class_metrics', { mode: 'json' }).$type<Record<string, Record<string, number>>>(),
    /** Per sensitive feature, each group's holdout figures (absent without sensitive features). */
    fairness: text('fairness', { mode: 'json' }).$type<FairnessRecord>(),
    gate: text('gate', { mode: 'json' }).notNull(),
    referenceProfile: text('reference_profile', { mode: 'json' }).notNull(),
    lineage: text('lineage', { mode: 'json' }).$type<Lineage>().notNull(),
    /** The pipeline run that registered it: a retried registration finds its version by this key. */
    pipelineRunId: text('pipeline_run_id').notNull(),
    pipelineId: text('pipeline_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('model_versions_model_version').on(t.modelName, t.version),
    uniqueIndex('model_versions_pipeline_run').on(t.pipelineRunId),
  ],
);

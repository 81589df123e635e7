import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { models } from './models';

/** One registered version of a model: artifact, signature, evaluation, drift reference and lineage. */
export const modelVersions = sqliteTable(
  'model_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelName: text('model_name').notNull().references(() => models.name),
    version: integer('version').notNull(),
    status: text('status', { enum: ['pending_approval', 'approved', 'rejected', 'rolled_back', 'archived'] }).notNull(),
    statusReason: text('status_reason'),
    artifactUri: text('artifact_uri').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    signature: text('signature', { mode: 'json' }).notNull(),
    metrics: text('metrics', { mode: 'json' }).notNull(),
    confusionMatrix: text('confusion_matrix', { mode: 'json' }).notNull(),
    gate: text('gate', { mode: 'json' }).notNull(),
    referenceProfile: text('reference_profile', { mode: 'json' }).notNull(),
    lineage: text('lineage', { mode: 'json' }).notNull(),
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

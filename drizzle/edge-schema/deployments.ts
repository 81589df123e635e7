import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';

/** A model version published to the edge: where its bytes are, its signature and drift reference. */
export const deployments = sqliteTable(
  'deployments',
  {
    modelName: text('model_name').notNull(),
    version: integer('version').notNull(),
    artifactKey: text('artifact_key').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    signature: text('signature', { mode: 'json' }).notNull(),
    referenceProfile: text('reference_profile', { mode: 'json' }).notNull(),
    publishedBy: text('published_by').notNull(),
    publishedAt: integer('published_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.version] })],
);

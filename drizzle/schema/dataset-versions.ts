import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { datasets } from './datasets';

/**
 * One version of a dataset: immutable bytes in the artifact store, addressed by their SHA-256.
 * The same bytes uploaded again find their version through (dataset_name, sha256).
 */
export const datasetVersions = sqliteTable(
  'dataset_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    datasetName: text('dataset_name').notNull().references(() => datasets.name),
    /** Monotonic per dataset, from 1. */
    version: integer('version').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    rows: integer('rows').notNull(),
    /** The CSV header, in file order. */
    columns: text('columns', { mode: 'json' }).$type<string[]>().notNull(),
    artifactUri: text('artifact_uri').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('dataset_versions_name_version').on(t.datasetName, t.version),
    uniqueIndex('dataset_versions_name_sha256').on(t.datasetName, t.sha256),
  ],
);

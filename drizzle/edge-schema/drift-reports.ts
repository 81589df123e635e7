import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/** Drift verdicts the scheduled monitor computed per version and window. */
export const driftReports = sqliteTable(
  'drift_reports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelName: text('model_name').notNull(),
    version: integer('version').notNull(),
    windowStart: integer('window_start', { mode: 'timestamp_ms' }).notNull(),
    windowEnd: integer('window_end', { mode: 'timestamp_ms' }).notNull(),
    computedAt: integer('computed_at', { mode: 'timestamp_ms' }).notNull(),
    datasetDrift: integer('dataset_drift', { mode: 'boolean' }).notNull(),
    report: text('report', { mode: 'json' }).notNull(),
  },
  // By computed_at alone: retention deletes the oldest reports without a scan.
  (t) => [index('drift_reports_model').on(t.modelName, t.version, t.computedAt), index('drift_reports_computed_at').on(t.computedAt)],
);

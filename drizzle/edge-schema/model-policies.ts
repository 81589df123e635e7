import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** Per-model drift policy (tests, thresholds, drift share, minimum samples); defaults when absent. */
export const modelPolicies = sqliteTable('model_policies', {
  modelName: text('model_name').primaryKey(),
  driftPolicy: text('drift_policy', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/**
 * Per-model drift policy (tests, thresholds, drift share, minimum samples; defaults when absent), and
 * the drift-triggered retraining policy with the time the monitor last started a retrain.
 */
export const modelPolicies = sqliteTable('model_policies', {
  modelName: text('model_name').primaryKey(),
  driftPolicy: text('drift_policy', { mode: 'json' }).notNull(),
  retrainPolicy: text('retrain_policy', { mode: 'json' }),
  retrainTriggeredAt: integer('retrain_triggered_at', { mode: 'timestamp_ms' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';

/**
 * What serving predicted for a request it may later get a label for: by the request id, the version
 * that answered and its predicted class. Written in the recorder's batches beside the sketches, and
 * deleted after the ground-truth retention window (WINDSOCK_LABEL_RETENTION_DAYS).
 */
export const predictions = sqliteTable(
  'predictions',
  {
    modelName: text('model_name').notNull(),
    requestId: text('request_id').notNull(),
    version: integer('version').notNull(),
    predictedClass: integer('predicted_class').notNull(),
    servedAt: integer('served_at', { mode: 'timestamp_ms' }).notNull(),
  },
  // By model and serving time for the accuracy reads; by serving time alone for retention.
  (t) => [primaryKey({ columns: [t.modelName, t.requestId] }), index('predictions_model_served').on(t.modelName, t.servedAt), index('predictions_served_at').on(t.servedAt)],
);

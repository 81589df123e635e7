import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';

/**
 * Ground truth clients sent for served requests (POST /v2/models/:name/feedback): the true class
 * index, joined to `predictions` by request id when read. A later label for the same id replaces it.
 */
export const labels = sqliteTable(
  'labels',
  {
    modelName: text('model_name').notNull(),
    requestId: text('request_id').notNull(),
    label: integer('label').notNull(),
    labelledAt: integer('labelled_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.requestId] }), index('labels_labelled_at').on(t.labelledAt)],
);

import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/**
 * Per-version, per-minute serving sketches, appended by each isolate's batched flush and merged on
 * read: many isolates (or Node replicas) write without coordinating.
 */
export const sketches = sqliteTable(
  'sketches',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelName: text('model_name').notNull(),
    version: integer('version').notNull(),
    minute: integer('minute').notNull(),
    sketch: text('sketch', { mode: 'json' }).notNull(),
  },
  // By minute alone: retention deletes the oldest rows of every model without a scan.
  (t) => [index('sketches_model_minute').on(t.modelName, t.minute), index('sketches_minute').on(t.minute)],
);

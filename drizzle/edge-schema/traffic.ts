import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** Traffic weights per model. `step` only grows: a stale retry of an older change is refused. */
export const traffic = sqliteTable('traffic', {
  modelName: text('model_name').primaryKey(),
  weights: text('weights', { mode: 'json' }).notNull(),
  step: integer('step').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** A dataset uploaded through the control API; its bytes live in versions (dataset_versions). */
export const datasets = sqliteTable('datasets', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

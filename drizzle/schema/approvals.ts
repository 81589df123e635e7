import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** Human decisions on a version: who decided, what, why and when. */
export const approvals = sqliteTable('approvals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  modelName: text('model_name').notNull(),
  version: integer('version').notNull(),
  pipelineId: text('pipeline_id').notNull(),
  principal: text('principal').notNull(),
  decision: text('decision', { enum: ['approved', 'rejected', 'timed_out'] }).notNull(),
  comment: text('comment').notNull().default(''),
  decidedAt: integer('decided_at', { mode: 'timestamp_ms' }).notNull(),
});

import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** Pipeline templates of the models the edge may start pipelines for (pushed by the control plane). */
export const pipelineTemplates = sqliteTable('pipeline_templates', {
  modelName: text('model_name').primaryKey(),
  template: text('template', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';
import type { PipelineTemplate } from '../../core/pipeline/pipeline-template';

/** A model and the pipeline template its pipelines start from (dataset spec, job, defaults). */
export const models = sqliteTable('models', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  template: text('template', { mode: 'json' }).$type<PipelineTemplate>().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

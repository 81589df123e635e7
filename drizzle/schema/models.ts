import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';
import type { PipelineTemplate } from '../../core/pipeline/pipeline-template';

/** A model and its current pipeline template (dataset spec, job, defaults), the one its pipelines start from. */
export const models = sqliteTable('models', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  template: text('template', { mode: 'json' }).$type<PipelineTemplate>().notNull(),
  /** The revision `template` is (model_template_revisions keeps them all). */
  revision: integer('revision').notNull().default(1),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

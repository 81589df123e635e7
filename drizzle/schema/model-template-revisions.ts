import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';
import type { PipelineTemplate } from '../../core/pipeline/pipeline-template';
import { models } from './models';

/** Every template a model has had: revision 1 at registration, one more per change (PUT /v1/models/:name). */
export const modelTemplateRevisions = sqliteTable(
  'model_template_revisions',
  {
    modelName: text('model_name').notNull().references(() => models.name),
    revision: integer('revision').notNull(),
    template: text('template', { mode: 'json' }).$type<PipelineTemplate>().notNull(),
    description: text('description').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.revision] })],
);

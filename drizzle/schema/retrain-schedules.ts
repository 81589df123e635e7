import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';
import { models } from './models';

/**
 * Retraining schedules as Windsock defined them: the system of record from which the Temporal
 * Schedules (`retrain-schedule:<model>:<id>`) are recreated when the Temporal server lost them.
 * Exactly one of `cron` and `everySeconds` is set.
 */
export const retrainSchedules = sqliteTable(
  'retrain_schedules',
  {
    modelName: text('model_name').notNull().references(() => models.name),
    id: text('id').notNull(),
    cron: text('cron'),
    everySeconds: integer('every_seconds'),
    paused: integer('paused', { mode: 'boolean' }).notNull().default(false),
    pauseReason: text('pause_reason'),
    catchupWindowSeconds: integer('catchup_window_seconds').notNull(),
    overlap: text('overlap', { enum: ['skip', 'buffer_one'] }).notNull(),
    note: text('note').notNull().default(''),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.id] })],
);

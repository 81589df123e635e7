import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';
import { models } from './models';

/** Movable names for a version (`champion`); the previous target stays for one-step rollback. */
export const aliases = sqliteTable(
  'aliases',
  {
    modelName: text('model_name').notNull().references(() => models.name),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    previousVersion: integer('previous_version'),
    updatedBy: text('updated_by').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.alias] })],
);

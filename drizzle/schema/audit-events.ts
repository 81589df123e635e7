import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Append-only log of every transition a pipeline, version or alias goes through, hash-chained
 * (core/audit/audit-chain.ts) so that an event edited or deleted in the database is found.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Makes a retried write a no-op (e.g. `<runId>:stage:training`). */
    dedupeKey: text('dedupe_key').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    event: text('event').notNull(),
    modelName: text('model_name'),
    version: integer('version'),
    pipelineId: text('pipeline_id'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The previous event's `hash` (64 zeros for the first event). Empty on rows not yet sealed. */
    prevHash: text('prev_hash').notNull().default(''),
    /** SHA-256 over `prevHash` and this event's fields. Empty on rows written before the chain, until sealed at open. */
    hash: text('hash').notNull().default(''),
  },
  (t) => [
    uniqueIndex('audit_events_dedupe').on(t.dedupeKey),
    index('audit_events_model').on(t.modelName, t.version),
    index('audit_events_pipeline').on(t.pipelineId),
  ],
);

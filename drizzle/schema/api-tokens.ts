import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Role } from '../../core/auth/principals';

/**
 * API tokens issued through the control API (core/auth/api-token.ts). Only the token's SHA-256 is
 * kept: the token itself is shown once, when issued. Revoked tokens stay, for the record.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    roles: text('roles', { mode: 'json' }).$type<Role[]>().notNull(),
    tokenSha256: text('token_sha256').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    revokedBy: text('revoked_by'),
    /** Updated at most once a minute per process, not on every request. */
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_tokens_sha256').on(t.tokenSha256), index('api_tokens_name').on(t.name)],
);

// API tokens in the registry: issued, listed, revoked (each audited, never with the token) and looked
// up by digest when a request presents one. Lookups are cached for at most `cacheMs`, so that a
// revocation made by another control API process on the same registry holds within that time; one
// made through this store holds at once.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { sha256Hex } from '../artifacts/local-blob-store';
import { apiTokenDigest, apiTokenState, formatApiToken, API_TOKEN_BYTES, type ApiTokenGrant } from '../core/auth/api-token';
import { WindsockError } from '../core/windsock-error';
import { apiTokens } from '../drizzle/schema';
import type { RegistryStore } from './registry-store';

/** An issued token as the API shows it: everything but the digest. */
export type ApiTokenRecord = Omit<typeof apiTokens.$inferSelect, 'tokenSha256'>;

const recordColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  roles: apiTokens.roles,
  createdBy: apiTokens.createdBy,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  revokedAt: apiTokens.revokedAt,
  revokedBy: apiTokens.revokedBy,
  lastUsedAt: apiTokens.lastUsedAt,
};

/** How long another process may still accept a token revoked here: revocations must hold within a second. */
export const API_TOKEN_CACHE_MS = 500;
/** lastUsedAt is a hint for finding unused tokens, not a log: one write a minute per token at most. */
const LAST_USED_RESOLUTION_MS = 60_000;
const CACHE_ENTRIES_MAX = 10_000;

interface CachedLookup {
  record: ApiTokenRecord | undefined;
  until: number;
}

export class ApiTokenStore {
  readonly #cache = new Map<string, CachedLookup>();
  readonly #cacheMs: number;

  constructor(
    readonly registry: RegistryStore,
    options: { cacheMs?: number } = {},
  ) {
    this.#cacheMs = options.cacheMs ?? API_TOKEN_CACHE_MS;
  }

  get #db() {
    return this.registry.db;
  }

  /**
   * Issues a token and returns it, the only time it exists outside the caller's hands. A name may
   * be held by one unexpired, unrevoked token at a time (it is the principal's name in the audit log).
   */
  async issue(grant: ApiTokenGrant & { lifetimeSeconds: number; by: string }): Promise<{ record: ApiTokenRecord; token: string }> {
    const token = formatApiToken(randomBytes(API_TOKEN_BYTES).toString('base64url'));
    const id = `tok_${randomBytes(8).toString('hex')}`;
    const now = new Date();
    const record: ApiTokenRecord = {
      id,
      name: grant.name,
      roles: grant.roles,
      createdBy: grant.by,
      createdAt: now,
      expiresAt: new Date(now.getTime() + grant.lifetimeSeconds * 1000),
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
    };
    // One statement, so that two processes issuing the same name cannot both pass the check.
    const inserted = await this.#db.run(sql`
      INSERT INTO api_tokens (id, name, roles, token_sha256, created_by, created_at, expires_at)
      SELECT ${id}, ${record.name}, ${JSON.stringify(record.roles)}, ${apiTokenDigest(sha256Hex, token)}, ${record.createdBy},
             ${record.createdAt.getTime()}, ${record.expiresAt.getTime()}
      WHERE NOT EXISTS (SELECT 1 FROM api_tokens WHERE name = ${record.name} AND revoked_at IS NULL AND expires_at > ${now.getTime()})`);
    if (inserted.rowsAffected !== 1) {
      const [holder] = await this.#db.select({ id: apiTokens.id }).from(apiTokens).where(this.#activeNamed(record.name, now)).limit(1);
      throw new WindsockError('conflict', `an active token is already named '${record.name}'${holder ? ` (${holder.id})` : ''}: revoke it first or choose another name`);
    }
    try {
      await this.registry.appendAudit({
        dedupeKey: `token:${id}:issued`,
        actor: grant.by,
        event: 'token.issued',
        details: { id, name: record.name, roles: record.roles, expiresAt: record.expiresAt.toISOString() },
      });
    } catch (err) {
      // No token without its audit event: nobody has seen this one yet, so it goes.
      await this.#db.delete(apiTokens).where(eq(apiTokens.id, id));
      throw err;
    }
    return { record, token };
  }

  /** Every issued token, newest first, revoked and expired ones too. */
  async list(): Promise<ApiTokenRecord[]> {
    return this.#db.select(recordColumns).from(apiTokens).orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.#db.select(recordColumns).from(apiTokens).where(eq(apiTokens.id, id));
    return row;
  }

  /** Revokes a token (again: a no-op that returns it as it is); `undefined` when no token has this id. */
  async revoke(id: string, by: string): Promise<ApiTokenRecord | undefined> {
    const now = new Date();
    await this.#db
      .update(apiTokens)
      .set({ revokedAt: now, revokedBy: by })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
    const [row] = await this.#db.select().from(apiTokens).where(eq(apiTokens.id, id));
    if (!row) return undefined;
    this.#cache.delete(row.tokenSha256);
    // Keyed by the token, so that a retry after a failed append records the revocation once.
    await this.registry.appendAudit({
      dedupeKey: `token:${id}:revoked`,
      actor: row.revokedBy ?? by,
      event: 'token.revoked',
      details: { id, name: row.name },
    });
    const { tokenSha256: _digest, ...record } = row;
    return record;
  }

  /** Sets a token's expiry (tests, and a script shortening a lifetime). */
  async setExpiry(id: string, expiresAt: Date): Promise<void> {
    const [row] = await this.#db.update(apiTokens).set({ expiresAt }).where(eq(apiTokens.id, id)).returning({ digest: apiTokens.tokenSha256 });
    if (row) this.#cache.delete(row.digest);
  }

  /**
   * The principal a presented token's SHA-256 (lowercase hex) stands for: undefined when it was never
   * issued, a 401 naming why when it was revoked or has expired.
   */
  async authenticate(digest: string, now = new Date()): Promise<{ name: string; roles: ApiTokenRecord['roles'] } | undefined> {
    const record = await this.#lookup(digest, now);
    if (!record) return undefined;
    const state = apiTokenState(record, now);
    if (state === 'revoked') throw new WindsockError('unauthorized', 'token revoked');
    if (state === 'expired') throw new WindsockError('unauthorized', 'token expired');
    return { name: record.name, roles: record.roles };
  }

  async #lookup(digest: string, now: Date): Promise<ApiTokenRecord | undefined> {
    const cached = this.#cache.get(digest);
    if (cached && cached.until > now.getTime()) return cached.record;
    const [row] = await this.#db.select(recordColumns).from(apiTokens).where(eq(apiTokens.tokenSha256, digest));
    if (this.#cache.size >= CACHE_ENTRIES_MAX) this.#cache.clear();
    // Unknown digests are not cached: anyone can make up as many of those as they like.
    if (row) this.#cache.set(digest, { record: row, until: now.getTime() + this.#cacheMs });
    if (row && apiTokenState(row, now) === 'active') await this.#touch(row, now);
    return row;
  }

  async #touch(record: ApiTokenRecord, now: Date): Promise<void> {
    if (record.lastUsedAt && now.getTime() - record.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    record.lastUsedAt = now;
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    try {
      await this.#db
        .update(apiTokens)
        .set({ lastUsedAt: now })
        .where(and(eq(apiTokens.id, record.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, staleBefore))));
    } catch (err) {
      // A hint only: a busy registry must not refuse a request over it.
      console.warn(`[api] could not record the use of token ${record.id}: ${(err as Error).message}`);
    }
  }

  #activeNamed(name: string, now: Date) {
    return and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, now));
  }
}

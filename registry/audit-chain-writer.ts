// Writing and checking the audit log's hash chain (core/audit/audit-chain.ts) in the registry.
//
// Appends from several processes (the API, workers) on one libSQL file must each link to the event
// before them. An append is one statement that inserts only while the chain's head is still the
// hash it was computed against (compare and swap): SQLite runs a write statement under the write
// lock, so no other writer moves the head between the check and the insert. A transaction held
// across awaits (BEGIN IMMEDIATE, then JS, then INSERT) would do the same across processes, but
// this client runs statements synchronously: a second connection of the same process waiting for
// that lock would block the event loop the holder needs to commit, until the busy timeout.
import { asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import { auditEventHash, GENESIS_HASH, verifyAuditChain, type ChainBreak, type ChainedAuditFields } from '../core/audit/audit-chain';
import { sha256Hex } from '../artifacts/local-blob-store';
import { WindsockError } from '../core/windsock-error';
import { auditEvents } from '../drizzle/schema';
import type * as schema from '../drizzle/schema';
import type { AuditEvent } from './registry-types';

// open-registry.ts's RegistryDb, spelled out because that module imports this one.
type RegistryDb = LibSQLDatabase<typeof schema>;


/** The registry, or a transaction on it. */
export type AuditWriter = Pick<RegistryDb, 'run' | 'select'>;

/** Appends racing this long (other processes winning every time) give up with a retryable error. */
const APPEND_DEADLINE_MS = 30_000;

/** Verification reads the chain this many events at a time. */
const VERIFY_PAGE = 1000;

async function chainHead(db: AuditWriter): Promise<string> {
  const [last] = await db.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  return last?.hash ?? GENESIS_HASH;
}

async function hasDedupeKey(db: AuditWriter, dedupeKey: string): Promise<boolean> {
  const [found] = await db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.dedupeKey, dedupeKey)).limit(1);
  return found !== undefined;
}

/**
 * Appends an event linked to the chain's head; `false` when its dedupe key is already there (a
 * retried activity appends nothing). Inside a write transaction the head cannot move, so the
 * first attempt wins; outside one, an append that lost the race to another writer tries again.
 */
export async function appendChainedAudit(db: AuditWriter, event: AuditEvent): Promise<boolean> {
  const deadline = Date.now() + APPEND_DEADLINE_MS;
  const fields: ChainedAuditFields = {
    dedupeKey: event.dedupeKey,
    at: new Date(),
    actor: event.actor,
    event: event.event,
    modelName: event.modelName ?? null,
    version: event.version ?? null,
    pipelineId: event.pipelineId ?? null,
    // As it will read back from the JSON column, so that the hash covers what is stored.
    details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
  };
  for (;;) {
    if (await hasDedupeKey(db, fields.dedupeKey)) return false;
    const prevHash = await chainHead(db);
    const hash = auditEventHash(sha256Hex, prevHash, fields);
    const inserted = await db.run(sql`
      INSERT INTO audit_events (dedupe_key, at, actor, event, model_name, version, pipeline_id, details, prev_hash, hash)
      SELECT ${fields.dedupeKey}, ${fields.at.getTime()}, ${fields.actor}, ${fields.event}, ${fields.modelName}, ${fields.version},
             ${fields.pipelineId}, ${JSON.stringify(fields.details)}, ${prevHash}, ${hash}
      WHERE coalesce((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), ${GENESIS_HASH}) = ${prevHash}
      ON CONFLICT (dedupe_key) DO NOTHING`);
    if (inserted.rowsAffected === 1) return true;
    if (Date.now() > deadline) {
      throw new WindsockError('unavailable', `could not append audit event '${fields.dedupeKey}': other writers kept moving the chain's head for ${APPEND_DEADLINE_MS / 1000}s`, { retryable: true });
    }
  }
}

/**
 * Seals the events written before the chain existed (the columns' migration leaves their hashes
 * empty): the first open after it chains them from the genesis hash, in id order. Only while no
 * event has a hash yet, so that blanking a hash later cannot get an edited event resealed; an
 * unsealed event found after that is reported by verification.
 */
export async function sealUnchainedAudit(db: RegistryDb): Promise<number> {
  const [unsealed] = await db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.hash, '')).limit(1);
  if (!unsealed) return 0;
  return db.transaction(async (tx) => {
    const [sealed] = await tx.select({ id: auditEvents.id }).from(auditEvents).where(sql`${auditEvents.hash} <> ''`).limit(1);
    if (sealed) return 0;
    const rows = await tx.select().from(auditEvents).orderBy(asc(auditEvents.id));
    let prevHash = GENESIS_HASH;
    for (const row of rows) {
      const hash = auditEventHash(sha256Hex, prevHash, row);
      await tx.update(auditEvents).set({ prevHash, hash }).where(eq(auditEvents.id, row.id));
      prevHash = hash;
    }
    return rows.length;
  });
}

export interface AuditVerification {
  ok: boolean;
  /** Events checked: all of them when ok, else up to and including the first bad one. */
  events: number;
  firstBadEvent?: ChainBreak;
  /** The newest event's id and hash when ok: recorded elsewhere, they let a later check tell a truncated log. */
  head?: { id: number; hash: string };
}

/** Walks the whole chain, oldest first, a page at a time. */
export async function verifyStoredAudit(db: RegistryDb): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let events = 0;
  let head: { id: number; hash: string } | undefined;
  for (;;) {
    const page = await db.select().from(auditEvents).where(gt(auditEvents.id, head?.id ?? 0)).orderBy(asc(auditEvents.id)).limit(VERIFY_PAGE);
    const check = verifyAuditChain(sha256Hex, page, prevHash);
    events += check.events;
    if (!check.ok) return { ok: false, events, firstBadEvent: check.firstBadEvent };
    const last = page.at(-1);
    if (last) head = { id: last.id, hash: last.hash };
    if (page.length < VERIFY_PAGE) return head ? { ok: true, events, head } : { ok: true, events };
    prevHash = check.lastHash;
  }
}

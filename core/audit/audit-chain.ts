// The audit log's hash chain: each event's hash covers the previous event's hash and the event's own
// fields, so an event edited or deleted in the database breaks the chain at that point. Pure: the
// caller passes the SHA-256 (node:crypto in the registry), so workflows, the API and tests share it.
import { canonicalJson } from '../canonical-json';

/** The `prevHash` of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Names the serialisation, so that a later change of it can be told from tampering. */
const CHAIN_FORMAT = 'windsock-audit-v1';

/** The fields of an audit event that its hash covers (everything but its row id and the hashes). */
export interface ChainedAuditFields {
  dedupeKey: string;
  at: Date;
  actor: string;
  event: string;
  modelName: string | null;
  version: number | null;
  pipelineId: string | null;
  details: Record<string, unknown>;
}

export interface ChainedAuditEvent extends ChainedAuditFields {
  id: number;
  prevHash: string;
  hash: string;
}

/** SHA-256 of a UTF-8 string as lowercase hex. */
export type Sha256Hex = (text: string) => string;

export type ChainProblem = 'hash_mismatch' | 'broken_link';

export interface ChainBreak {
  id: number;
  problem: ChainProblem;
  message: string;
}

export interface ChainCheck {
  ok: boolean;
  /** Events checked, up to and including the first bad one. */
  events: number;
  firstBadEvent?: ChainBreak;
  /** The hash the next event must link to: the last good event's (the input's `prevHash` if none). */
  lastHash: string;
}

/** The exact text an event's hash is taken over. */
export function canonicalAuditText(prevHash: string, event: ChainedAuditFields): string {
  return canonicalJson([
    CHAIN_FORMAT,
    prevHash,
    event.dedupeKey,
    event.at.getTime(),
    event.actor,
    event.event,
    event.modelName,
    event.version,
    event.pipelineId,
    event.details,
  ]);
}

export function auditEventHash(sha256: Sha256Hex, prevHash: string, event: ChainedAuditFields): string {
  return sha256(canonicalAuditText(prevHash, event));
}

/**
 * Checks events in chain order (ascending id), the first linking to `prevHash`: each must link to
 * the one before it (a deleted or reordered event breaks the link) and carry the hash of its own
 * fields (an edited event does not). Stops at the first bad event.
 */
export function verifyAuditChain(sha256: Sha256Hex, events: Iterable<ChainedAuditEvent>, prevHash: string = GENESIS_HASH): ChainCheck {
  let lastHash = prevHash;
  let count = 0;
  for (const event of events) {
    count++;
    if (event.prevHash !== lastHash) {
      return {
        ok: false,
        events: count,
        lastHash,
        firstBadEvent: {
          id: event.id,
          problem: 'broken_link',
          message: `event ${event.id} links to ${shortHash(event.prevHash)} but the event before it hashes to ${shortHash(lastHash)}: an event before it was deleted, reordered or rewritten`,
        },
      };
    }
    const expected = auditEventHash(sha256, event.prevHash, event);
    if (event.hash !== expected) {
      return {
        ok: false,
        events: count,
        lastHash,
        firstBadEvent: {
          id: event.id,
          problem: 'hash_mismatch',
          message: `event ${event.id} is stored with hash ${shortHash(event.hash)} but its fields hash to ${shortHash(expected)}: it was changed after it was written`,
        },
      };
    }
    lastHash = event.hash;
  }
  return { ok: true, events: count, lastHash };
}

function shortHash(hash: string): string {
  return hash === '' ? '(none)' : `${hash.slice(0, 12)}…`;
}

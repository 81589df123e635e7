import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json';
import { auditEventHash, canonicalAuditText, GENESIS_HASH, verifyAuditChain, type ChainedAuditEvent, type ChainedAuditFields } from './audit-chain';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function fields(n: number, details: Record<string, unknown> = { n }): ChainedAuditFields {
  return {
    dedupeKey: `run-${n}:stage`,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    actor: 'windsock',
    event: n % 2 ? 'pipeline.started' : 'rollout.step',
    modelName: 'breast-cancer',
    version: n,
    pipelineId: null,
    details,
  };
}

function chain(count: number): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= count; i++) {
    const hash = auditEventHash(sha256, prevHash, fields(i));
    events.push({ id: i, ...fields(i), prevHash, hash });
    prevHash = hash;
  }
  return events;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops what JSON drops, so stored and re-read details agree', () => {
    const written = { b: 1, a: { d: [{ z: 1, y: undefined }], c: new Date(0) }, e: undefined, f: Number.NaN };
    const readBack = JSON.parse(JSON.stringify(written)) as unknown;
    expect(canonicalJson(written)).toBe('{"a":{"c":"1970-01-01T00:00:00.000Z","d":[{"z":1}]},"b":1,"f":null}');
    expect(canonicalJson(readBack)).toBe(canonicalJson(written));
  });

  it('keeps strings that look like JSON apart from the structure they resemble', () => {
    expect(canonicalJson(['a","b'])).not.toBe(canonicalJson(['a', 'b']));
  });
});

describe('audit event hash', () => {
  it('is the sha256 of a text that names the format and every field in a fixed order', () => {
    const text = canonicalAuditText(GENESIS_HASH, fields(1, { b: 2, a: 1 }));
    expect(text).toBe(`["windsock-audit-v1","${GENESIS_HASH}","run-1:stage",1767225601000,"windsock","pipeline.started","breast-cancer",1,null,{"a":1,"b":2}]`);
    expect(auditEventHash(sha256, GENESIS_HASH, fields(1, { b: 2, a: 1 }))).toBe(sha256(text));
  });

  it('changes with the previous hash and with each field', () => {
    const base = fields(1);
    const hashes = new Set([
      auditEventHash(sha256, GENESIS_HASH, base),
      auditEventHash(sha256, 'f'.repeat(64), base),
      ...(['dedupeKey', 'actor', 'event', 'modelName', 'pipelineId'] as const).map((key) => auditEventHash(sha256, GENESIS_HASH, { ...base, [key]: 'other' })),
      auditEventHash(sha256, GENESIS_HASH, { ...base, at: new Date(base.at.getTime() + 1) }),
      auditEventHash(sha256, GENESIS_HASH, { ...base, version: null }),
      auditEventHash(sha256, GENESIS_HASH, { ...base, details: { n: 2 } }),
    ]);
    expect(hashes.size).toBe(10);
  });

  it('does not depend on the order in which details were written', () => {
    expect(auditEventHash(sha256, GENESIS_HASH, fields(1, { a: 1, b: { c: 1, d: 2 } }))).toBe(auditEventHash(sha256, GENESIS_HASH, fields(1, { b: { d: 2, c: 1 }, a: 1 })));
  });
});

describe('verifyAuditChain', () => {
  it('accepts an intact chain and an empty one', () => {
    const events = chain(5);
    expect(verifyAuditChain(sha256, events)).toEqual({ ok: true, events: 5, lastHash: events[4]!.hash });
    expect(verifyAuditChain(sha256, [])).toEqual({ ok: true, events: 0, lastHash: GENESIS_HASH });
  });

  it('continues from a given hash, so a long chain can be checked page by page', () => {
    const events = chain(6);
    const first = verifyAuditChain(sha256, events.slice(0, 3));
    expect(verifyAuditChain(sha256, events.slice(3), first.lastHash)).toMatchObject({ ok: true, events: 3, lastHash: events[5]!.hash });
  });

  it('finds an edited event by its hash', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, details: { n: 3, approvedBy: 'mallory' } };
    expect(verifyAuditChain(sha256, events)).toMatchObject({ ok: false, events: 3, firstBadEvent: { id: 3, problem: 'hash_mismatch', message: expect.stringMatching(/^event 3 is stored with hash \w{12}… but its fields hash to \w{12}…: it was changed after it was written$/) } });
  });

  it('finds an event edited together with its own hash by the next link', () => {
    const events = chain(5);
    const edited = { ...events[2]!, actor: 'mallory' };
    events[2] = { ...edited, hash: auditEventHash(sha256, edited.prevHash, edited) };
    expect(verifyAuditChain(sha256, events)).toMatchObject({ ok: false, events: 4, firstBadEvent: { id: 4, problem: 'broken_link' } });
  });

  it('finds a deleted event at the link after it, and a deleted first event', () => {
    const events = chain(5);
    expect(verifyAuditChain(sha256, [...events.slice(0, 2), ...events.slice(3)])).toMatchObject({ ok: false, events: 3, firstBadEvent: { id: 4, problem: 'broken_link', message: expect.stringMatching(/^event 4 links to \w{12}… but the event before it hashes to \w{12}…: an event before it was deleted, reordered or rewritten$/) } });
    expect(verifyAuditChain(sha256, events.slice(1))).toMatchObject({ ok: false, events: 1, firstBadEvent: { id: 2, problem: 'broken_link' } });
  });

  it('finds reordered events', () => {
    const events = chain(4);
    expect(verifyAuditChain(sha256, [events[0]!, events[2]!, events[1]!, events[3]!])).toMatchObject({ ok: false, firstBadEvent: { id: 3, problem: 'broken_link' } });
  });
});

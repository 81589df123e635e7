// /v1/audit needs a known bearer token, and /v1/audit/verify the admin role. Verification finds an
// event edited or deleted behind the registry's back, directly in its libSQL file.
import { createClient, type Client } from '@libsql/client';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import type { PrincipalName } from '../../test-principals';
import { sha256Hex } from '../../../artifacts/local-blob-store';
import { auditEventHash } from '../../../core/audit/audit-chain';

describe('audit routes', () => {
  let f: ControlFixture;
  beforeAll(async () => {
    f = await openControlFixture('audit-security');
    await f.registry.appendAudit({ dedupeKey: 'security-1', actor: 'windsock', event: 'pipeline.started' });
  });
  afterAll(() => f?.close());
  beforeEach(() => f.reset());

  it('refuse a request without a token, or with an unknown one, with a 401', async () => {
    for (const url of ['/v1/audit', '/v1/audit?limit=5', '/v1/audit/verify']) {
      expectRefusal(await f.request('GET', url), 401, 'unauthorized', /^missing bearer token: send Authorization: Bearer <token>$/);
      expectRefusal(await f.request('GET', url, { headers: { authorization: 'Bearer root-token-0123456789b' } }), 401, 'unauthorized', /^unknown bearer token$/);
    }
    await f.expectNothingDone();
  });

  it('refuse a bad query before saying who may see it: a 401 comes first', async () => {
    expectRefusal(await f.request('GET', '/v1/audit?limit=0'), 401, 'unauthorized', /^missing bearer token/);
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave'])('let %s (any role) read the log but not verify it (403)', async (as) => {
    const list = await f.request('GET', '/v1/audit', { as });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expectRefusal(await f.request('GET', '/v1/audit/verify', { as }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs admin$`));
    await f.expectNothingDone();
  });
});

describe('GET /v1/audit/verify finds tampering', () => {
  let f: ControlFixture;
  let raw: Client;
  let ids: number[];
  /** The events before the test's five: the example models' registrations. */
  let base: number;
  beforeEach(async () => {
    f = await openControlFixture('audit-tamper');
    base = (await f.registry.listAudit()).length;
    for (let i = 0; i < 5; i++) await f.registry.appendAudit({ dedupeKey: `tamper-${i}`, actor: 'bob', event: 'approval.approved', modelName: 'breast-cancer', version: 1, details: { comment: 'looks good' } });
    ids = (await f.registry.listAudit()).slice(base).map((e) => e.id);
    // A second connection to the file, as someone with access to it would use.
    raw = createClient({ url: `file:${path.join(f.home, 'registry.db')}` });
    const intact = await f.request('GET', '/v1/audit/verify', { as: 'root' });
    expect(intact.body).toMatchObject({ ok: true, events: base + 5 });
  });
  afterEach(() => {
    raw?.close();
    f?.close();
  });

  it("an edited event's details: a hash mismatch at that event", async () => {
    await raw.execute({ sql: `UPDATE audit_events SET details = json_set(details, '$.comment', 'rubber-stamped') WHERE id = ?`, args: [ids[2]!] });
    const res = await f.request('GET', '/v1/audit/verify', { as: 'root' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: false,
      events: base + 3,
      firstBadEvent: { id: ids[2], problem: 'hash_mismatch', message: expect.stringMatching(new RegExp(`^event ${ids[2]} is stored with hash \\w{12}… but its fields hash to \\w{12}…: it was changed after it was written$`)) },
    });
  });

  it('an edited actor with its hash recomputed: a broken link at the next event', async () => {
    const [target] = (await f.registry.listAudit()).filter((e) => e.id === ids[1]);
    const forged = auditEventHash(sha256Hex, target!.prevHash, { ...target!, actor: 'mallory' });
    await raw.execute({ sql: 'UPDATE audit_events SET actor = ?, hash = ? WHERE id = ?', args: ['mallory', forged, ids[1]!] });
    const res = await f.request('GET', '/v1/audit/verify', { as: 'root' });
    expect(res.body).toMatchObject({ ok: false, events: base + 3, firstBadEvent: { id: ids[2], problem: 'broken_link' } });
  });

  it('a deleted event: a broken link at the event after it', async () => {
    await raw.execute({ sql: 'DELETE FROM audit_events WHERE id = ?', args: [ids[3]!] });
    const res = await f.request('GET', '/v1/audit/verify', { as: 'root' });
    expect(res.body).toEqual({
      ok: false,
      events: base + 4,
      firstBadEvent: { id: ids[4], problem: 'broken_link', message: expect.stringMatching(new RegExp(`^event ${ids[4]} links to \\w{12}… but the event before it hashes to \\w{12}…: an event before it was deleted, reordered or rewritten$`)) },
    });
  });
});

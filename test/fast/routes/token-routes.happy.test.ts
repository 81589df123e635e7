// /v1/tokens: an admin issues an API token, shown once, that works on the real routes with the roles
// it names, is listed without its secret, and stops working once revoked or expired, in this control
// API and in another replica on the same registry file.
import { createClient, type Client } from '@libsql/client';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../artifacts/local-blob-store';
import { apiTokens } from '../../../drizzle/schema';
import { expectRefusal, type AppResponse } from './app-request';
import { exampleDataset, openControlFixture, type ControlFixture } from './control-app-fixture';
import { tableRows } from './libsql-table-rows';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const DAY_MS = 86_400_000;

let f: ControlFixture;
let raw: Client;
beforeAll(async () => {
  f = await openControlFixture('tokens-happy');
  // A second connection to the file, to read what is stored as anyone with the file would.
  raw = createClient({ url: `file:${path.join(f.home, 'registry.db')}` });
});
afterAll(() => {
  raw?.close();
  f?.close();
});
beforeEach(() => f.reset());

async function issue(body: Record<string, unknown>): Promise<AppResponse & { body: { id: string; token: string; expiresAt: string } }> {
  const res = await f.request('POST', '/v1/tokens', { as: 'root', body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res;
}

/** Asks until the answer has this status, or the deadline passes (then returns the last answer). */
async function statusWithin(ask: () => Promise<AppResponse>, status: number, deadlineMs: number): Promise<AppResponse> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await ask();
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('POST /v1/tokens', () => {
  it('issues a token once: prefixed, 32 random bytes, with the roles and lifetime asked for', async () => {
    const before = Date.now();
    const res = await issue({ name: 'ci-bot', roles: ['submitter'], expiresIn: '30d' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ id: expect.stringMatching(/^tok_[0-9a-f]{16}$/), name: 'ci-bot', roles: ['submitter'], expiresAt: expect.any(String), token: expect.stringMatching(/^wst_[A-Za-z0-9_-]{43}$/) });
    expect(Buffer.from(res.body.token.slice('wst_'.length), 'base64url')).toHaveLength(32);
    const expiresAt = Date.parse(res.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);

    // The registry keeps its SHA-256, and the token nowhere.
    const [row] = await f.registry.db.select().from(apiTokens);
    expect(row).toMatchObject({ id: res.body.id, name: 'ci-bot', roles: ['submitter'], createdBy: 'root', tokenSha256: sha256Hex(res.body.token), revokedAt: null });
    expect(JSON.stringify(await tableRows(raw))).not.toContain(res.body.token);

    const { events: [event] } = await f.registry.listAuditPage({ action: 'token.issued', limit: 1 });
    expect(event).toMatchObject({ actor: 'root', event: 'token.issued', details: { id: res.body.id, name: 'ci-bot', roles: ['submitter'], expiresAt: res.body.expiresAt } });
    await f.apiTokens.revoke(res.body.id, 'root');
  });

  it('gives a token 90 days when no lifetime is asked for, and takes seconds as a number', async () => {
    const byDefault = await issue({ name: 'default-life', roles: ['viewer'] });
    expect(Date.parse(byDefault.body.expiresAt) - Date.now()).toBeGreaterThan(89 * DAY_MS);
    expect(Date.parse(byDefault.body.expiresAt) - Date.now()).toBeLessThanOrEqual(90 * DAY_MS);
    const inSeconds = await issue({ name: 'short-life', roles: ['viewer'], expiresIn: 3600 });
    expect(Date.parse(inSeconds.body.expiresAt) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(Date.parse(inSeconds.body.expiresAt) - Date.now()).toBeGreaterThan(3000_000);
  });
});

describe('an issued token', () => {
  it('signs requests in as its name with its roles, and no more', async () => {
    const { body } = await issue({ name: 'ci-submitter', roles: ['submitter'] });
    await f.settle();
    const models = await f.request('GET', '/v1/models', bearer(body.token));
    expect(models.status, JSON.stringify(models.body)).toBe(200);
    const started = await f.request('POST', '/v1/pipelines', { ...bearer(body.token), body: { model: 'breast-cancer', dataset: exampleDataset } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(JSON.stringify(f.gateway.commands)).toContain('"submittedBy":"ci-submitter"');
    expectRefusal(await f.request('GET', '/v1/audit/verify', bearer(body.token)), 403, 'forbidden', /^ci-submitter lacks the role for this: needs admin$/);
    expectRefusal(await f.request('GET', '/v1/tokens', bearer(body.token)), 403, 'forbidden', /^ci-submitter lacks the role for this: needs admin$/);
    await f.apiTokens.revoke(body.id, 'root');
  });

  it('of an admin may issue, list and revoke tokens itself', async () => {
    const admin = await issue({ name: 'ops-admin', roles: ['admin'] });
    const res = await f.request('POST', '/v1/tokens', { ...bearer(admin.body.token), body: { name: 'issued-by-token', roles: ['viewer'] } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const list = await f.request('GET', '/v1/tokens', bearer(admin.body.token));
    expect(list.body.tokens.find((t: { id: string }) => t.id === res.body.id)).toMatchObject({ createdBy: 'ops-admin' });
    const revoked = await f.request('DELETE', `/v1/tokens/${res.body.id}`, bearer(admin.body.token));
    expect(revoked.body).toMatchObject({ id: res.body.id, revokedBy: 'ops-admin', state: 'revoked' });
    await f.apiTokens.revoke(admin.body.id, 'root');
  });
});

describe('GET /v1/tokens', () => {
  it('lists every token, newest first, with its state and without its secret', async () => {
    const active = await issue({ name: 'list-active', roles: ['viewer', 'approver'] });
    const revoked = await issue({ name: 'list-revoked', roles: ['viewer'] });
    await f.request('DELETE', `/v1/tokens/${revoked.body.id}`, { as: 'root' });
    await f.request('GET', '/v1/models', bearer(active.body.token));

    const res = await f.request('GET', '/v1/tokens', { as: 'root' });
    expect(res.status).toBe(200);
    const listed = res.body.tokens as Array<Record<string, unknown>>;
    expect(listed.findIndex((t) => t.id === revoked.body.id)).toBeLessThan(listed.findIndex((t) => t.id === active.body.id));
    expect(listed.find((t) => t.id === active.body.id)).toEqual({
      id: active.body.id, name: 'list-active', roles: ['viewer', 'approver'], createdBy: 'root', createdAt: expect.any(String),
      expiresAt: active.body.expiresAt, revokedAt: null, revokedBy: null, lastUsedAt: expect.any(String), state: 'active',
    });
    expect(listed.find((t) => t.id === revoked.body.id)).toMatchObject({ revokedAt: expect.any(String), revokedBy: 'root', lastUsedAt: null, state: 'revoked' });
    for (const token of listed) expect(Object.keys(token)).not.toContain('tokenSha256');
    await f.apiTokens.revoke(active.body.id, 'root');
  });
});

describe('DELETE /v1/tokens/:id', () => {
  it('revokes a token: its next request is a 401, the revocation is audited, and revoking again changes nothing', async () => {
    const { body } = await issue({ name: 'to-revoke', roles: ['viewer'] });
    expect((await f.request('GET', '/v1/models', bearer(body.token))).status).toBe(200);

    const res = await f.request('DELETE', `/v1/tokens/${body.id}`, { as: 'root' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: body.id, name: 'to-revoke', revokedBy: 'root', revokedAt: expect.any(String), state: 'revoked' });
    expectRefusal(await f.request('GET', '/v1/models', bearer(body.token)), 401, 'unauthorized', /^token revoked$/);

    const { events: [event] } = await f.registry.listAuditPage({ action: 'token.revoked', limit: 1 });
    expect(event).toMatchObject({ actor: 'root', event: 'token.revoked', details: { id: body.id, name: 'to-revoke' } });

    await f.settle();
    const again = await f.request('DELETE', `/v1/tokens/${body.id}`, { as: 'root' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    await f.expectNothingDone();
  });

  it('frees the name for a new token', async () => {
    const first = await issue({ name: 'rotated', roles: ['viewer'] });
    await f.request('DELETE', `/v1/tokens/${first.body.id}`, { as: 'root' });
    const second = await issue({ name: 'rotated', roles: ['viewer'] });
    expect((await f.request('GET', '/v1/models', bearer(second.body.token))).status).toBe(200);
    expectRefusal(await f.request('GET', '/v1/models', bearer(first.body.token)), 401, 'unauthorized', /^token revoked$/);
    await f.apiTokens.revoke(second.body.id, 'root');
  });
});

describe('expiry', () => {
  it('a token past its expiry is a 401 "token expired", and its name is free again', async () => {
    const { body } = await issue({ name: 'expiring', roles: ['viewer'], expiresIn: '1h' });
    expect((await f.request('GET', '/v1/models', bearer(body.token))).status).toBe(200);
    await f.apiTokens.setExpiry(body.id, new Date(Date.now() - 1000));
    expectRefusal(await f.request('GET', '/v1/models', bearer(body.token)), 401, 'unauthorized', /^token expired$/);
    const list = await f.request('GET', '/v1/tokens', { as: 'root' });
    expect(list.body.tokens.find((t: { id: string }) => t.id === body.id)).toMatchObject({ state: 'expired', revokedAt: null });
    const renewed = await issue({ name: 'expiring', roles: ['viewer'] });
    await f.apiTokens.revoke(renewed.body.id, 'root');
  });

  it('a token issued for one second stops working on its own', async () => {
    const { body } = await issue({ name: 'one-second', roles: ['viewer'], expiresIn: 1 });
    const res = await statusWithin(() => f.request('GET', '/v1/models', bearer(body.token)), 401, 5000);
    expectRefusal(res, 401, 'unauthorized', /^token expired$/);
  });
});

describe('two control API replicas on one registry', () => {
  it('a token issued through one works in the other, and a revocation through either holds in both within a second', async () => {
    const replica = await f.openReplica();
    const { body } = await issue({ name: 'replicated', roles: ['viewer'] });
    // The replica has looked the token up, so it holds it in its cache when the revocation comes.
    expect((await replica.request('GET', '/v1/models', bearer(body.token))).status).toBe(200);
    expect((await f.request('GET', '/v1/models', bearer(body.token))).status).toBe(200);

    await f.request('DELETE', `/v1/tokens/${body.id}`, { as: 'root' });
    expectRefusal(await f.request('GET', '/v1/models', bearer(body.token)), 401, 'unauthorized', /^token revoked$/);
    expectRefusal(await statusWithin(() => replica.request('GET', '/v1/models', bearer(body.token)), 401, 1000), 401, 'unauthorized', /^token revoked$/);

    // And the other way round: revoked through the replica, refused here.
    const other = await issue({ name: 'replicated-2', roles: ['viewer'] });
    expect((await f.request('GET', '/v1/models', bearer(other.body.token))).status).toBe(200);
    expect((await replica.request('DELETE', `/v1/tokens/${other.body.id}`, { as: 'root' })).status).toBe(200);
    expectRefusal(await statusWithin(() => f.request('GET', '/v1/models', bearer(other.body.token)), 401, 1000), 401, 'unauthorized', /^token revoked$/);
  });
});

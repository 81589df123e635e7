// /v1/tokens is for admins only: a 401 without a known token, a 403 for every other role, whether a
// bootstrap principal or an issued token. An issued token is never shown again: not in the list, the
// audit log, an error message or the server's log; and its stored digest does not sign anyone in.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../../artifacts/local-blob-store';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import type { PrincipalName } from '../../test-principals';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const id = 'tok_0123456789abcdef';
const routes: Array<[method: string, path: string, body: unknown]> = [
  ['POST', '/v1/tokens', { name: 'ci-bot', roles: ['admin'] }],
  ['GET', '/v1/tokens', undefined],
  ['DELETE', `/v1/tokens/${id}`, undefined],
];

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('tokens-security');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('token routes refuse who may not', () => {
  it.each(routes)('%s %s without a token, or with an unknown one, is a 401', async (method, path, body) => {
    expectRefusal(await f.request(method, path, { body }), 401, 'unauthorized', /^missing bearer token: send Authorization: Bearer <token>$/);
    expectRefusal(await f.request(method, path, { body, headers: bearer('root-token-0123456789b') }), 401, 'unauthorized', /^unknown bearer token$/);
    expectRefusal(await f.request(method, path, { body, headers: bearer(`wst_${'A'.repeat(43)}`) }), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingDone();
  });

  it.each(routes)('%s %s with a bad body or id but no token is a 401 first', async (method, path, body) => {
    expectRefusal(await f.request(method, path.replace(id, 'nope'), { body: body && { name: 'NOPE' } }), 401, 'unauthorized', /^missing bearer token/);
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave'])('%s (not an admin) gets a 403 on every route', async (as) => {
    for (const [method, path, body] of routes) {
      expectRefusal(await f.request(method, path, { as, body }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs admin$`));
    }
    await f.expectNothingDone();
  });

  it('an issued token without the admin role gets a 403 on every route, even for itself', async () => {
    const issued = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'almost-admin', roles: ['submitter', 'approver', 'viewer'] } });
    // Its first use records lastUsedAt; what follows must write nothing.
    await f.request('GET', '/v1/models', { headers: bearer(issued.body.token) });
    await f.settle();
    for (const [method, path, body] of [...routes, ['DELETE', `/v1/tokens/${issued.body.id}`, undefined] as const]) {
      expectRefusal(await f.request(method, path, { body, headers: bearer(issued.body.token) }), 403, 'forbidden', /^almost-admin lacks the role for this: needs admin$/);
    }
    await f.expectNothingDone();
    await f.apiTokens.revoke(issued.body.id, 'root');
  });

  it('a revoked or expired admin token can do nothing more', async () => {
    const revoked = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'old-admin', roles: ['admin'] } });
    const expired = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'lapsed-admin', roles: ['admin'] } });
    await f.request('DELETE', `/v1/tokens/${revoked.body.id}`, { as: 'root' });
    await f.apiTokens.setExpiry(expired.body.id, new Date(Date.now() - 1));
    await f.settle();
    for (const [method, path, body] of routes) {
      expectRefusal(await f.request(method, path, { body, headers: bearer(revoked.body.token) }), 401, 'unauthorized', /^token revoked$/);
      expectRefusal(await f.request(method, path, { body, headers: bearer(expired.body.token) }), 401, 'unauthorized', /^token expired$/);
    }
    await f.expectNothingDone();
  });

  it('the stored digest of a token, or the token without its prefix, signs no one in', async () => {
    const issued = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'digest-probe', roles: ['admin'] } });
    await f.settle();
    for (const guess of [sha256Hex(issued.body.token), issued.body.token.slice('wst_'.length), `${issued.body.token}x`, issued.body.token.toUpperCase()]) {
      expectRefusal(await f.request('GET', '/v1/tokens', { headers: bearer(guess) }), 401, 'unauthorized', /^unknown bearer token$/);
    }
    await f.expectNothingDone();
    await f.apiTokens.revoke(issued.body.id, 'root');
  });
});

describe('an issued token is shown once', () => {
  const logged: string[] = [];
  beforeEach(() => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    logged.length = 0;
  });

  it('not in the list, the audit log, an error message or the log, through its whole life', async () => {
    const answers: unknown[] = [];
    const issued = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'secret-keeper', roles: ['admin'], expiresIn: '1d' } });
    expect(issued.status).toBe(201);
    const { token, id: tokenId } = issued.body as { token: string; id: string };
    const auth = { headers: bearer(token) };

    answers.push((await f.request('GET', '/v1/models', auth)).body);
    answers.push((await f.request('GET', '/v1/tokens', auth)).body);
    answers.push((await f.request('GET', '/v1/tokens', { as: 'root' })).body);
    // Refusals: a name already taken, a bad body, an unknown id, by the token itself.
    answers.push((await f.request('POST', '/v1/tokens', { ...auth, body: { name: 'secret-keeper', roles: ['viewer'] } })).body);
    answers.push((await f.request('POST', '/v1/tokens', { ...auth, body: { name: token, roles: ['viewer'] } })).body);
    answers.push((await f.request('DELETE', `/v1/tokens/${token}`, auth)).body);
    answers.push((await f.request('DELETE', '/v1/tokens/tok_ffffffffffffffff', auth)).body);
    answers.push((await f.request('DELETE', `/v1/tokens/${tokenId}`, auth)).body);
    answers.push((await f.request('GET', '/v1/models', auth)).body);
    answers.push((await f.request('GET', '/v1/audit?limit=1000', { as: 'root' })).body);

    const audit = await f.registry.listAudit();
    expect(audit.map((e) => e.event)).toEqual(expect.arrayContaining(['token.issued', 'token.revoked']));
    for (const text of [...answers.map((a) => JSON.stringify(a)), JSON.stringify(audit), ...logged]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice('wst_'.length));
      expect(text).not.toContain(sha256Hex(token));
    }
  });
});

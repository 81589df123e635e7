// GET /v1/whoami says who a token signs in as (the CLI's whoami and --mine): a bootstrap principal or an
// issued API token, with its roles; without a known token it is a 401 like every route.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('whoami');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('GET /v1/whoami', () => {
  it('names the principal and its roles, for a bootstrap principal and an issued token', async () => {
    expect((await f.request('GET', '/v1/whoami', { as: 'dave' })).body).toEqual({ name: 'dave', roles: ['submitter', 'approver'] });
    const { token } = await f.apiTokens.issue({ name: 'ci-bot', roles: ['submitter'], lifetimeSeconds: 3600, by: 'root' });
    const res = await f.request('GET', '/v1/whoami', { headers: { authorization: `Bearer ${token}` } });
    expect(res.body).toEqual({ name: 'ci-bot', roles: ['submitter'] });
  });

  it('refuses a request without a known token with a 401', async () => {
    expectRefusal(await f.request('GET', '/v1/whoami'), 401, 'unauthorized', /^missing bearer token/);
    expectRefusal(await f.request('GET', '/v1/whoami', { headers: { authorization: 'Bearer nobody-token-0123456789' } }), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingDone();
  });
});

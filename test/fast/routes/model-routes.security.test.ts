// /v1/models: every route needs a known bearer token; rolling back and publishing need the admin
// role. A refusal writes nothing and calls no edge.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import type { PrincipalName } from '../../test-principals';

let f: ControlFixture;
let approved: number;
beforeAll(async () => {
  f = await openControlFixture('model-security');
  approved = await f.registerVersion('breast-cancer', 'approved');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const routes = (): Array<[string, string, unknown]> => [
  ['GET', '/v1/models', undefined],
  ['GET', '/v1/models/breast-cancer', undefined],
  ['GET', '/v1/models/breast-cancer/versions', undefined],
  ['GET', `/v1/models/breast-cancer/versions/${approved}`, undefined],
  ['POST', '/v1/models/breast-cancer/rollback', { version: approved }],
  ['POST', `/v1/models/breast-cancer/versions/${approved}/publish`, undefined],
];

describe('model routes', () => {
  it('refuse a request without a token, or with an unknown one, with a 401', async () => {
    for (const [method, path, body] of routes()) {
      expectRefusal(await f.request(method, path, { body }), 401, 'unauthorized', /^missing bearer token: send Authorization: Bearer <token>$/);
      expectRefusal(await f.request(method, path, { body, headers: { authorization: 'Bearer root-token-0123456789b' } }), 401, 'unauthorized', /^unknown bearer token$/);
    }
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave'])('refuse a rollback or a publish by %s (not an admin) with a 403', async (as) => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/rollback', { as, body: { version: approved } }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs admin$`));
    expectRefusal(await f.request('POST', `/v1/models/breast-cancer/versions/${approved}/publish`, { as }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs admin$`));
    await f.expectNothingDone();
  });
});

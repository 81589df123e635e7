// /v1/models/:name/retrain: a known bearer token to read, the submitter or admin role to ask for a
// retrain. A refusal asks Temporal for nothing.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import type { PrincipalName } from '../../test-principals';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('retrain-security');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('retrain routes', () => {
  it.each([
    ['POST', { reason: 'fresh data' }],
    ['GET', undefined],
  ])('%s without a token, or with an unknown one, is a 401', async (method, body) => {
    expectRefusal(await f.request(method, '/v1/models/breast-cancer/retrain', { body }), 401, 'unauthorized', /^missing bearer token/);
    expectRefusal(await f.request(method, '/v1/models/breast-cancer/retrain', { body, headers: { authorization: 'Bearer nobody-token-0123456789' } }), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['bob', 'carol'])('POST by %s (neither submitter nor admin) is a 403 naming the roles', async (as) => {
    const res = await f.request('POST', '/v1/models/breast-cancer/retrain', { as, body: { reason: 'fresh data' } });
    expectRefusal(res, 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs submitter or admin$`));
    await f.expectNothingDone();
  });
});
